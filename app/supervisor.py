"""What ``python -m app run`` does while the stack runs: restart a child that died, after a
growing pause and within a limit, and stop everything once on SIGTERM, SIGINT or SIGHUP however
many of them arrive.

- A child (Rasa or the app) that exits on its own is restarted after 1 s, then 2, 4, 8 … s
  (at most ``RESTART_BACKOFF_MAX``), counting its deaths of the last ``RESTART_WINDOW_MINUTES``.
  Its death beyond ``RESTART_LIMIT`` restarts within that window is a storm: the runner stops
  everything and exits 1 with the last lines of the child's log. The other child keeps serving
  meanwhile (the app answers politely while Rasa is away; its /health says Rasa is down).
- Each death, restart and the give-up is one line on the runner's output and in
  ``var/log/runner.log``: the child, how it ended, what happens next; never a setting's value.
- A stop signal only sets a flag (:class:`StopRequest`); the loops look at it. Nothing raises
  out of a handler, so a second SIGTERM (GNU make forwards the one it got to its child, which
  already had one from the process group) cannot interrupt the shutdown.
"""

from __future__ import annotations

import signal
import time
from collections import deque
from collections.abc import Callable
from contextlib import suppress
from dataclasses import dataclass, field
from pathlib import Path
from typing import Protocol

from app.clock import Clock, utc_now
from app.processes import describe_exit
from app.runner import DailyLogFile, private_dir
from app.settings import Settings

TITLES = {"rasa": "Rasa", "app": "The app"}
STOP_SIGNALS = (signal.SIGTERM, signal.SIGINT, signal.SIGHUP)


class StopRequest:
    """Set by the first SIGTERM, SIGINT or SIGHUP; later ones are absorbed."""

    def __init__(self) -> None:
        self.signum: int | None = None

    def install(self) -> None:
        """Catch the stop signals (from the main thread). Caught, not ignored: an ignored signal
        would stay ignored in the children across exec."""
        for signum in STOP_SIGNALS:
            signal.signal(signum, self._handle)

    def _handle(self, signum: int, _frame: object) -> None:
        if self.signum is None:
            self.signum = signum

    def __bool__(self) -> bool:
        return self.signum is not None

    @property
    def name(self) -> str:
        return signal.Signals(self.signum).name if self.signum is not None else ""


@dataclass(frozen=True)
class RestartPolicy:
    """How often a child may die and be restarted, and how long the runner waits before each."""

    limit: int  # restarts of one child allowed within `window`
    window: float  # seconds
    max_delay: float = 30.0  # seconds
    first_delay: float = 1.0

    @classmethod
    def of(cls, settings: Settings) -> RestartPolicy:
        return cls(
            limit=settings.restart_limit,
            window=settings.restart_window_minutes * 60,
            max_delay=settings.restart_backoff_max,
        )

    def delay(self, deaths: int) -> float | None:
        """The pause before restarting after the ``deaths``-th death within the window; None when
        that is one death too many."""
        if deaths > self.limit:
            return None
        return min(self.max_delay, self.first_delay * 2 ** (deaths - 1))


@dataclass
class Deaths:
    """The moments (monotonic seconds) a child died within the policy's window."""

    window: float
    moments: deque[float] = field(default_factory=deque)

    def record(self, now: float) -> int:
        """Count a death at ``now``; the number of deaths within the window, this one included."""
        while self.moments and self.moments[0] <= now - self.window:
            self.moments.popleft()
        self.moments.append(now)
        return len(self.moments)


class Supervised(Protocol):
    """What the supervisor needs of the stack (app.runner.Stack)."""

    log_dir: Path

    def children(self) -> tuple[str, ...]: ...
    def returncode(self, name: str) -> int | None: ...
    def reap(self, name: str) -> int: ...
    def start_child(self, name: str) -> int: ...
    def log_tail(self, name: str, lines: int = 30) -> str: ...


class RunnerLog:
    """The runner's own lines: printed, and appended to ``log_dir/runner.log`` with the time."""

    def __init__(self, log_dir: Path, clock: Clock = utc_now) -> None:
        self.path, self.clock = log_dir / "runner.log", clock

    def __call__(self, line: str) -> None:
        stamped = f"{self.clock():%Y-%m-%d %H:%M:%S} UTC {line}"
        with suppress(OSError):  # the terminal is gone (SIGHUP): the file still gets the line
            print(stamped, flush=True)
        private_dir(self.path.parent)
        log = DailyLogFile(self.path)
        try:
            log.write(stamped + "\n")
        finally:
            log.close()


@dataclass
class Supervisor:
    stack: Supervised
    policy: RestartPolicy
    stop: StopRequest
    say: Callable[[str], None]
    monotonic: Callable[[], float] = time.monotonic
    sleep: Callable[[float], None] = time.sleep
    tick: float = 0.25  # how often the children and the stop flag are looked at

    def run(self) -> int:
        """Watch the children until a stop signal (0) or a restart storm (1)."""
        deaths = {name: Deaths(self.policy.window) for name in self.stack.children()}
        due: dict[str, float] = {}  # child -> when to restart it (monotonic)
        while not self.stop:
            now = self.monotonic()
            for name in self.stack.children():
                if name in due:
                    if now >= due[name]:
                        del due[name]
                        pid = self.stack.start_child(name)
                        self.say(f"{TITLES[name]} restarted (pid {pid}).")
                    continue
                if self.stack.returncode(name) is None:
                    continue
                how = describe_exit(self.stack.reap(name))
                count = deaths[name].record(now)
                pause = self.policy.delay(count)
                minutes = f"{self.policy.window / 60:g} min"
                if pause is None:
                    self.say(
                        f"{TITLES[name]} {how}: {count} deaths within {minutes}, more than the "
                        f"{self.policy.limit} restarts RESTART_LIMIT allows. Stopping everything. "
                        f"Last lines of {self.stack.log_dir / (name + '.log')}:\n{self.stack.log_tail(name)}"
                    )
                    return 1
                self.say(
                    f"{TITLES[name]} {how}; restarting it in {pause:g} s "
                    f"(restart {count} of {self.policy.limit} allowed within {minutes})."
                )
                due[name] = now + pause
            self.sleep(self.tick)
        return 0
