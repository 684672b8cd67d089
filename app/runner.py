"""Start the Rasa server and the app as child processes, wait until both are healthy, stop both.

Used by ``python -m app run`` (``make run``, which adds supervision: app/supervisor.py) and by
the integration tests, so that the tests start the stack exactly as an operator does. Each child
runs in its own session and dies with the runner's thread that started it, even when the runner
is SIGKILLed (app/processes.py).
"""

from __future__ import annotations

import os
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager, suppress
from dataclasses import dataclass, field
from logging import makeLogRecord
from logging.handlers import TimedRotatingFileHandler
from pathlib import Path
from typing import IO

import httpx

from app.logs import Redactor
from app.processes import die_with_parent, port_holder, stop_leftover
from app.settings import ROOT, Settings

RASA_BIN = ROOT / ".venv-rasa" / "bin" / "rasa"
RASA_PYTHON = ROOT / ".venv-rasa" / "bin" / "python"
# Keep Rasa quiet and offline: no telemetry or error reports to the internet, no TF chatter.
RASA_QUIET_ENV = {
    "RASA_TELEMETRY_ENABLED": "false",
    "TF_CPP_MIN_LOG_LEVEL": "2",
    "SQLALCHEMY_SILENCE_UBER_WARNING": "1",
    "PYTHONWARNINGS": "ignore",
}
# What Rasa gets from the runner's own environment; nothing else (no channel secrets, no
# APP_SECRET_KEY, no other settings) reaches it.
RASA_PASSED_ENV = ("PATH", "HOME", "LANG", "LC_ALL", "LC_CTYPE", "TZ", "TMPDIR")


class StartupError(RuntimeError):
    """The stack could not be started; the message says what to do."""


class DailyLogFile(TimedRotatingFileHandler):
    """A child's log file, rotated at local midnight (or at the first line of a new day) to
    ``<name>.log.YYYY-MM-DD``; files readable by their owner only. Rotated files are deleted by
    the app's daily purge after DATA_RETENTION_DAYS, never here."""

    terminator = ""  # the lines copied keep their own newline

    def __init__(self, path: Path) -> None:
        super().__init__(path, when="midnight", backupCount=0, encoding="utf-8")

    def _open(self):  # type: ignore[no-untyped-def]
        descriptor = os.open(self.baseFilename, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o600)
        os.fchmod(descriptor, 0o600)
        return open(descriptor, "a", encoding=self.encoding, errors=self.errors)

    def write(self, line: str) -> None:
        self.emit(makeLogRecord({"msg": line}))


def _copy_redacted(stream: IO[bytes], path: Path, redact: Redactor) -> None:
    """Copy a child's output to its log file, masking tokens, ID-card and phone numbers.

    Rasa logs some user text itself (e.g. a message it cannot parse); this is where it is masked.
    """
    log = DailyLogFile(path)
    with stream:
        try:
            for raw in iter(stream.readline, b""):
                log.write(redact(raw.decode("utf-8", errors="replace")))
        finally:
            log.close()


def private_dir(path: Path) -> None:
    """Create ``path`` readable by its owner only (0700), or take back looser permissions."""
    path.mkdir(mode=0o700, parents=True, exist_ok=True)
    if path.stat().st_mode & 0o077:
        path.chmod(0o700)


GENERATED_SECRETS = ("RASA_AUTH_TOKEN", "APP_SECRET_KEY")


def ensure_secrets(env_file: Path = ROOT / ".env") -> None:
    """Generate ``RASA_AUTH_TOKEN`` and ``APP_SECRET_KEY`` into ``.env`` (0600) on first run,
    each only when it is set nowhere (neither in the environment nor in the file)."""
    lines = env_file.read_text(encoding="utf-8").splitlines() if env_file.exists() else []
    missing = [
        name
        for name in GENERATED_SECRETS
        if not os.environ.get(name) and not any(line.strip().startswith(f"{name}=") for line in lines)
    ]
    if not missing:
        return
    lines += [f"{name}={secrets.token_hex(32)}" for name in missing]
    env_file.write_text("\n".join(lines) + "\n", encoding="utf-8")
    env_file.chmod(0o600)


def settings_env(settings: Settings) -> dict[str, str]:
    """The settings as environment variables, so child processes see exactly these values."""
    env = dict(os.environ)
    for name, value in settings.model_dump(exclude=set(type(settings).model_computed_fields)).items():
        env[name.upper()] = str(value)
    return env


def port_is_free(port: int, host: str = "127.0.0.1") -> bool:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            sock.bind((host, port))
        except OSError:
            return False
    return True


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def rasa_command(settings: Settings) -> list[str]:
    """Rasa's server, started through nlu.launcher: the auth token travels in the environment
    (RASA_AUTH_TOKEN), so the process list never shows it."""
    return [
        str(RASA_PYTHON),
        "-m",
        "nlu.launcher",
        "run",
        "--enable-api",
        "--interface",
        "127.0.0.1",
        "--port",
        str(settings.rasa_port),
        "--model",
        str(ROOT / settings.rasa_model),
        "--endpoints",
        str(ROOT / "endpoints.yml"),
        "--credentials",
        str(ROOT / "credentials.yml"),
    ]


def rasa_env(settings: Settings) -> dict[str, str]:
    """Rasa's whole environment, built from scratch: what it needs and nothing else."""
    env = {name: os.environ[name] for name in RASA_PASSED_ENV if os.environ.get(name)}
    env.setdefault("PATH", os.defpath)
    env.update(RASA_QUIET_ENV)
    env["PYTHONPATH"] = str(ROOT)
    env["ACTION_ENDPOINT_URL"] = f"http://127.0.0.1:{settings.app_port}/rasa/webhook"
    env["RASA_AUTH_TOKEN"] = settings.rasa_auth_token  # read by nlu.launcher and endpoints.yml
    env["RASA_TRACKER_URL"] = settings.tracker_url
    return env


def app_command(settings: Settings) -> list[str]:
    """The app's server (app/server.py): uvicorn with the request deadlines and limits."""
    return [sys.executable, "-m", "app.server"]


def app_env(settings: Settings) -> dict[str, str]:
    env = settings_env(settings)
    env["PYTHONPATH"] = str(ROOT)
    return env


@dataclass
class Stack:
    """The Rasa server and the app, started together and stopped together."""

    settings: Settings
    log_dir: Path
    say: Callable[[str], None] = print  # the runner's own lines (a leftover stopped, a kill)
    processes: dict[str, subprocess.Popen] = field(default_factory=dict)
    _copiers: dict[str, threading.Thread] = field(default_factory=dict)

    def check(self) -> None:
        if not RASA_PYTHON.exists():
            raise StartupError("The Rasa environment is missing: run `make install`.")
        if not (ROOT / self.settings.rasa_model).exists():
            raise StartupError(f"No trained model at {self.settings.rasa_model}: run `make train`.")
        for name, port in (("Rasa", self.settings.rasa_port), ("app", self.settings.app_port)):
            if not port_is_free(port):
                self._free(name, port)

    def _free(self, name: str, port: int) -> None:
        """Stop a server an earlier run of this checkout left on ``port`` (its runner is gone, e.g.
        SIGKILLed before children died with it); anything else keeps the port and stops the start."""
        holder = port_holder(port)
        if holder is not None and holder.leftover:
            title = "a Rasa server" if holder.ours == "rasa" else "an app server"
            self.say(
                f"Port {port} is held by {title} an earlier run of this checkout left behind "
                f"(pid {holder.pid}): stopping it."
            )
            stop_leftover(holder.pid)
            deadline = time.monotonic() + 5
            while not port_is_free(port) and time.monotonic() < deadline:
                time.sleep(0.1)
            if port_is_free(port):
                return
        setting = "RASA_PORT" if name == "Rasa" else "APP_PORT"
        held = ""
        if holder is not None and holder.ours is not None:
            held = f" (the {holder.ours} server of a run still going: its runner is pid {holder.runner})"
        elif holder is not None:
            held = f" ({holder.name}, pid {holder.pid})"
        raise StartupError(
            f"Port {port} for the {name} is busy{held}. Stop whatever uses it "
            f"(`ss -ltnp | grep :{port}`) or choose another port ({setting} in .env)."
        )

    def children(self) -> tuple[str, ...]:
        return ("rasa", "app")

    def start_rasa(self) -> None:
        self._spawn("rasa", rasa_command(self.settings), rasa_env(self.settings))

    def start_app(self) -> None:
        self._spawn("app", app_command(self.settings), app_env(self.settings))

    def start_child(self, name: str) -> int:
        """Start the child ``name`` ("rasa" or "app") again; its pid."""
        {"rasa": self.start_rasa, "app": self.start_app}[name]()
        return self.processes[name].pid

    def returncode(self, name: str) -> int | None:
        """None while the child runs (or is not started)."""
        process = self.processes.get(name)
        return None if process is None else process.poll()

    def reap(self, name: str) -> int:
        """Forget a child that exited: whatever it left in its process group is killed, its log
        copier finishes. Its exit code."""
        process = self.processes.pop(name)
        code = process.wait()
        with suppress(ProcessLookupError):
            os.killpg(process.pid, signal.SIGKILL)
        copier = self._copiers.pop(name, None)
        if copier is not None:
            copier.join(timeout=5)
        return code

    def start(self) -> None:
        self.check()
        private_dir(self.settings.var_dir)
        self.start_rasa()
        self.start_app()

    def _spawn(self, name: str, command: list[str], env: dict[str, str]) -> None:
        """Start a child whose output goes, redacted line by line, to ``log_dir/<name>.log``.

        Its own session: signals to the runner's process group (Ctrl-C, ``kill -TERM -PGID``)
        reach the runner only, which stops the children in order. It gets SIGTERM when the thread
        calling this ends (PR_SET_PDEATHSIG): call from the main thread.
        """
        private_dir(self.log_dir)
        process = subprocess.Popen(
            command,
            cwd=ROOT,
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            start_new_session=True,
            preexec_fn=die_with_parent(os.getpid()),  # one prctl call, no locks: safe with threads
        )
        copier = threading.Thread(
            target=_copy_redacted,
            args=(process.stdout, self.log_dir / f"{name}.log", Redactor(self.settings.app_secret_key)),
            daemon=True,
        )
        copier.start()
        self.processes[name] = process
        self._copiers[name] = copier

    def log_tail(self, name: str, lines: int = 30) -> str:
        path = self.log_dir / f"{name}.log"
        if not path.exists():
            return ""
        return "\n".join(path.read_text(encoding="utf-8", errors="replace").splitlines()[-lines:])

    def wait_healthy(self, timeout: float = 300.0, stopping: Callable[[], bool] = lambda: False) -> bool:
        """Poll the app's /health until Rasa and the actions are up (True); fail fast if a child
        dies; False as soon as ``stopping()`` says the runner was asked to stop."""
        url = f"http://127.0.0.1:{self.settings.app_port}/health"
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if stopping():
                return False
            for name, process in self.processes.items():
                if process.poll() is not None:
                    raise StartupError(
                        f"The {name} process exited with code {process.returncode} while starting. "
                        f"Last lines of {self.log_dir / (name + '.log')}:\n{self.log_tail(name)}"
                    )
            try:
                if httpx.get(url, timeout=2.0).status_code == 200:
                    return True
            except httpx.TransportError:
                pass
            time.sleep(0.5)
        raise StartupError(f"Not healthy after {timeout:.0f} s; see the logs in {self.log_dir}.")

    def stop_process(self, name: str, grace: float = 15.0) -> None:
        process = self.processes.pop(name, None)
        if process is None or process.poll() is not None:
            return
        os.killpg(process.pid, signal.SIGTERM)
        try:
            process.wait(timeout=grace)
        except subprocess.TimeoutExpired:
            self.say(f"The {name} process did not stop within {grace:.0f} s: killed.")
            os.killpg(process.pid, signal.SIGKILL)
            process.wait()
        copier = self._copiers.pop(name, None)
        if copier is not None:
            copier.join(timeout=5)

    def stop(self) -> None:
        for name in ("app", "rasa"):
            self.stop_process(name)


def isolated_settings(var_dir: Path, **overrides: object) -> Settings:
    """Settings for a throw-away stack (tests, benchmarks): free ports, a fresh token, its own
    var/ holding a copy of the index `make index` built, and the model that index was built with."""
    from knowledge.service import tuned_model_dir
    from knowledge.settings import KnowledgeSettings

    built = KnowledgeSettings(_env_file=None, var_dir=ROOT / "var")
    shutil.copytree(built.index_dir, var_dir / "index", dirs_exist_ok=True)
    values: dict[str, object] = {
        "app_port": free_port(),
        "rasa_port": free_port(),
        "rasa_auth_token": secrets.token_hex(32),
        "app_secret_key": secrets.token_hex(32),
        "var_dir": var_dir,
        "embedding_model": str(tuned_model_dir(built)),
    }
    return Settings(_env_file=None, **{**values, **overrides})


# Scripts and tests send faster than people, all from 127.0.0.1: their stacks lift every limit
# (the limits are tested on their own, tests/security/test_limits.py).
LIFTED_LIMITS = {"channel_rate_limit": 1000, "client_rate_limit": 100_000, "session_rate_limit": 10_000}


@contextmanager
def running_stack(var_dir: Path, **overrides: object) -> Iterator[Stack]:
    """A throw-away stack (``isolated_settings``) started as `make run` does, healthy, stopped after."""
    settings = isolated_settings(var_dir, **{**LIFTED_LIMITS, **overrides})
    stack = Stack(settings=settings, log_dir=var_dir / "log")
    stack.start()
    try:
        stack.wait_healthy(timeout=600)
        yield stack
    finally:
        stack.stop()
