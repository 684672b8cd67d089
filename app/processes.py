"""The runner's children as operating-system processes: they die with the runner, even when it is
SIGKILLed; how one ended, in words; and which process holds a port, and whether it is a child an
earlier run of this checkout left behind.

Process look-ups (listening sockets, command lines, parents) go through psutil.
"""

from __future__ import annotations

import ctypes
import os
import signal
import sys
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import psutil

from app.settings import ROOT

PR_SET_PDEATHSIG = 1  # <linux/prctl.h>
_prctl = ctypes.CDLL(None, use_errno=True).prctl if sys.platform == "linux" else None


def die_with_parent(parent: int) -> Callable[[], None]:
    """A ``preexec_fn`` for Popen: between fork and exec, ask Linux to send the child SIGTERM when
    the thread that forked it ends (``prctl(PR_SET_PDEATHSIG)``, kept across exec).

    The signal follows the forking *thread*, not the process: spawn from the main thread (the
    runner does) or from a thread that lives as long as the child. If the parent ``parent``
    already died before the prctl call, the child exits at once instead of running unowned.
    The function only makes one foreign call and reads the parent id, nothing that could wait on
    a lock another thread held at fork time.
    """

    def preexec() -> None:
        if _prctl is not None:
            _prctl(PR_SET_PDEATHSIG, int(signal.SIGTERM), 0, 0, 0)
        if os.getppid() != parent:
            os._exit(1)

    return preexec


def describe_exit(returncode: int) -> str:
    """How a child ended, for the runner's log: "was killed by SIGKILL", "exited with code 1"."""
    if returncode < 0:
        try:
            return f"was killed by {signal.Signals(-returncode).name}"
        except ValueError:
            return f"was killed by signal {-returncode}"
    return f"exited with code {returncode}"


@dataclass(frozen=True)
class PortHolder:
    """The process listening on a port, as far as it concerns the runner."""

    pid: int
    name: str  # its process name, e.g. "python3.10"
    ours: str | None  # "rasa" or "app" when it is a server this checkout starts, else None
    runner: int | None  # the pid of the live runner it belongs to; None: its runner is gone

    @property
    def leftover(self) -> bool:
        """One of our servers whose runner is gone: safe to stop."""
        return self.ours is not None and self.runner is None


def which_server(command: list[str], cwd: str, root: Path = ROOT) -> str | None:
    """``rasa`` or ``app`` when ``command`` (run in ``cwd``) is a server of the checkout ``root``:
    Rasa through nlu.launcher in its .venv-rasa, or the app's ``-m app.server``."""
    if Path(cwd) != root:
        return None
    if command[:4] == [str(root / ".venv-rasa" / "bin" / "python"), "-m", "nlu.launcher", "run"]:
        return "rasa"
    if command[1:3] == ["-m", "app.server"] and Path(command[0]).parent == root / ".venv" / "bin":
        return "app"
    return None


def _runner_of(process: psutil.Process) -> int | None:
    """The live parent that still owns ``process``: a Python process (a runner, a test); None once
    the process was adopted by init or a subreaper (its runner is gone)."""
    parent = process.parent()
    if parent is None or parent.pid == 1 or "python" not in parent.name():
        return None
    return parent.pid


def port_holder(port: int) -> PortHolder | None:
    """The process listening on ``port`` (any address), if this user may see it."""
    for connection in psutil.net_connections(kind="inet"):
        if connection.status != psutil.CONN_LISTEN or not connection.laddr:
            continue
        if connection.laddr.port != port or connection.pid is None:
            continue
        try:
            process = psutil.Process(connection.pid)
            with process.oneshot():
                ours = which_server(process.cmdline(), process.cwd())
                return PortHolder(process.pid, process.name(), ours, _runner_of(process))
        except (psutil.NoSuchProcess, psutil.AccessDenied):
            return None
    return None


def stop_leftover(pid: int, grace: float = 15.0) -> None:
    """Stop a leftover server and everything in its process group: SIGTERM, then SIGKILL after
    ``grace`` seconds."""
    try:
        process = psutil.Process(pid)
        group = os.getpgid(pid)
    except (psutil.NoSuchProcess, ProcessLookupError):
        return
    kill = (lambda sig: os.killpg(group, sig)) if group == pid else process.send_signal
    try:
        kill(signal.SIGTERM)
        process.wait(timeout=grace)
    except psutil.TimeoutExpired:
        kill(signal.SIGKILL)
        process.wait(timeout=grace)
    except (psutil.NoSuchProcess, ProcessLookupError):
        pass
