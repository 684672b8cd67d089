"""The staff console: server-rendered pages under ``/staff`` and a JSON API under ``/api/staff``,
for the centre's staff (accounts, content, review, unanswered questions).

This package holds the accounts part, the frame the other parts stand on:

- ``models.py`` — tables ``staff_users``, ``staff_sessions``, ``audit_log`` (migration 0004).
- ``roles.py`` — admin, editor, agent, viewer; ``allows(role, roles)`` (admins always pass).
- ``passwords.py`` — argon2id hashes, rehash on new parameters, the rules of a new password.
- ``accounts.py`` — accounts as plain data functions (no HTTP); ``AccountError``.
- ``sessions.py`` — sessions by the hash of a random id; idle and absolute expiry.
- ``csrf.py`` — the CSRF token bound to a session; the sign-in's Origin check.
- ``backoff.py`` — failed sign-ins back off per username and per address.
- ``audit.py`` — the audit log and ``audit.record(...)``.
- ``signin.py``, ``management.py`` — sign-in/out and account changes with their sessions and
  audit records, shared by ``pages.py`` (``/staff``) and ``api.py`` (``/api/staff``).
- ``deps.py`` — the FastAPI dependencies; ``console.py`` — wiring, navigation, rendering.
- ``cli.py`` — ``python -m app staff create-user|list|disable|enable|reset-password``.
- ``texts.py`` — every Vietnamese wording of the console; ``templates/``, ``static/``.

How a part of the console adds to it
------------------------------------

**A page.** In a module of its own (``app/staff/entries.py``, say) make the router with
``console_router(prefix="/staff", include_in_schema=False)`` from ``deps``: every POST, PUT,
PATCH and DELETE on it is then CSRF-checked. A route takes the session and renders a template
that extends ``base.html``::

    @router.get("/entries")
    async def entries(request: Request, session: CurrentSession) -> Response:
        return render(request, "entries.html", session, entries=...)

Templates live in ``app/staff/templates/`` (a folder per part is fine: ``entries/list.html``).
``render`` gives them ``staff``, ``csrf_input`` (put ``{{ csrf_input }}`` in every form),
``sections``, ``path`` and ``texts``. No inline script or style (the page CSP forbids both):
CSS and JS go in ``app/staff/static/`` (served at ``/staff/static/``); a small library is
committed under ``static/vendor/`` with its licence, never loaded from a CDN. Add the router to
``console.routers()`` and the page's link to ``console.SECTIONS`` (label, href, roles allowed,
description): it then shows in the navigation and on the home page for those roles.

**An API route.** Same router kind with ``prefix="/api/staff"``; return JSON, raise
``HTTPException(status, detail=<Vietnamese from texts.py>)``. Scripts send the ``csrf`` of
``POST /api/staff/session`` as ``X-CSRF-Token``.

**A role check.** ``staff: Annotated[StaffUser, require_role("editor")]`` lets editors and
admins through; ``AdminStaff`` admins only; ``CurrentStaff`` / ``CurrentSession`` any signed-in
account (a viewer reads). Refusals are ``StaffDenied``: a page gets the sign-in redirect (401)
or the "no permission" page (403), the API gets ``{"detail": ...}`` — the same dependency for
both. A page that changes content must name its roles: viewers and agents change nothing.

**An audit record.** After a change succeeds::

    await audit.record(request, "entry_updated", staff=staff, target=("entry", entry_id),
                       before={...changed fields...}, after={...})

Name the action ``<thing>_<past participle>`` and give it and the target's kind Vietnamese
labels in ``texts.AUDIT_ACTIONS`` and ``texts.TARGET_KINDS``; the audit page and
``GET /api/staff/audit`` show it at once. Times on pages: ``{{ moment | vn_time }}``.

**A home-page count.** Append an async function to ``console.HOME_COUNTS``::

    async def review_due(request: Request, staff: StaffUser) -> HomeCount | None:
        return HomeCount("Cần rà soát", n, "/staff/review")

It is shown in ``home.html``'s ``counts`` block (the freshness part's "Cần rà soát: N").

**A store.** Open it in ``console.install`` next to the accounts and keep it on
``app.state.staff`` (``Console.extra`` is free for that) or ``app.state``; run its database work
with ``await request.app.state.work.io(...)``, never on the event loop, and take the app's
clock (``install`` receives it) so tests can move time.

Limits to know: request bodies are limited to 16 KiB by ``app/hardening.py`` (``BODY_LIMITS``);
an import upload needs its own entry there. Staff sessions are not citizens' data and are not in
``app/retention.py``: they expire on their own and expired rows are deleted at every sign-in;
the audit log is kept.
"""
