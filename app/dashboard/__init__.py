"""How well the assistant serves: the dashboard "Thống kê" and the IOC summary.

- ``figures.py`` — the figures (pure functions over ``app.activity``'s daily figures) and their
  definitions; ``Filters``.
- ``queries.py`` — the reads off the event loop (figures, titles, comments, unanswered groups).
- ``pages.py`` — ``/staff/dashboard`` (page), ``/api/staff/dashboard`` (JSON), ``/staff/dashboard.csv``.
- ``ioc.py`` — ``GET /api/metrics/ioc`` for the provincial IOC (guarded by ``app/metrics_auth.py``).

The data: ``app/activity.py`` (stored events, daily aggregates, purge and forget).
"""
