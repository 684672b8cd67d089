"""Start the Rasa server and the app as child processes, wait until both are healthy, stop both.

Used by ``python -m app run`` (``make run``) and by the integration tests, so that the tests
start the stack exactly as an operator does.
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
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO

import httpx

from app.logs import redact
from app.settings import ROOT, Settings

RASA_BIN = ROOT / ".venv-rasa" / "bin" / "rasa"
# Keep Rasa quiet and offline: no telemetry or error reports to the internet, no TF chatter.
RASA_QUIET_ENV = {
    "RASA_TELEMETRY_ENABLED": "false",
    "TF_CPP_MIN_LOG_LEVEL": "2",
    "SQLALCHEMY_SILENCE_UBER_WARNING": "1",
    "PYTHONWARNINGS": "ignore",
}


class StartupError(RuntimeError):
    """The stack could not be started; the message says what to do."""


def _copy_redacted(stream: IO[bytes], path: Path) -> None:
    """Copy a child's output to its log file, masking tokens, ID-card and phone numbers.

    Rasa logs some user text itself (e.g. a message it cannot parse); this is where it is masked.
    """
    with stream, path.open("a", encoding="utf-8") as log:
        for raw in iter(stream.readline, b""):
            log.write(redact(raw.decode("utf-8", errors="replace")))
            log.flush()


def ensure_auth_token(env_file: Path = ROOT / ".env") -> None:
    """Generate ``RASA_AUTH_TOKEN`` into ``.env`` on first run when it is set nowhere."""
    if os.environ.get("RASA_AUTH_TOKEN"):
        return
    lines = env_file.read_text(encoding="utf-8").splitlines() if env_file.exists() else []
    if any(line.strip().startswith("RASA_AUTH_TOKEN=") for line in lines):
        return
    lines.append(f"RASA_AUTH_TOKEN={secrets.token_hex(32)}")
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
    return [
        str(RASA_BIN),
        "run",
        "--enable-api",
        "--auth-token",
        settings.rasa_auth_token,
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
    env = settings_env(settings)
    env.update(RASA_QUIET_ENV)
    env["PYTHONPATH"] = str(ROOT)
    env["ACTION_ENDPOINT_URL"] = f"http://127.0.0.1:{settings.app_port}/rasa/webhook"
    env["RASA_TRACKER_URL"] = settings.tracker_url
    return env


def app_command(settings: Settings) -> list[str]:
    return [
        sys.executable,
        "-m",
        "uvicorn",
        "app.main:app_factory",
        "--factory",
        "--host",
        settings.app_host,
        "--port",
        str(settings.app_port),
        "--no-server-header",
        "--timeout-graceful-shutdown",
        "5",
    ]


@dataclass
class Stack:
    """The Rasa server and the app, started together and stopped together."""

    settings: Settings
    log_dir: Path
    processes: dict[str, subprocess.Popen] = field(default_factory=dict)
    _copiers: dict[str, threading.Thread] = field(default_factory=dict)

    def check(self) -> None:
        if not RASA_BIN.exists():
            raise StartupError("The Rasa environment is missing: run `make install`.")
        if not (ROOT / self.settings.rasa_model).exists():
            raise StartupError(f"No trained model at {self.settings.rasa_model}: run `make train`.")
        for name, port in (("Rasa", self.settings.rasa_port), ("app", self.settings.app_port)):
            if not port_is_free(port):
                raise StartupError(
                    f"Port {port} for the {name} is busy. Stop whatever uses it "
                    f"(`ss -ltnp | grep :{port}`) or choose another port "
                    f"({'RASA_PORT' if name == 'Rasa' else 'APP_PORT'} in .env)."
                )

    def start_rasa(self) -> None:
        self._spawn("rasa", rasa_command(self.settings), rasa_env(self.settings))

    def start_app(self) -> None:
        env = settings_env(self.settings)
        env["PYTHONPATH"] = str(ROOT)
        self._spawn("app", app_command(self.settings), env)

    def start(self) -> None:
        self.check()
        self.settings.var_dir.mkdir(parents=True, exist_ok=True)
        self.start_rasa()
        self.start_app()

    def _spawn(self, name: str, command: list[str], env: dict[str, str]) -> None:
        """Start a child whose output goes, redacted line by line, to ``log_dir/<name>.log``."""
        self.log_dir.mkdir(parents=True, exist_ok=True)
        process = subprocess.Popen(
            command,
            cwd=ROOT,
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        copier = threading.Thread(
            target=_copy_redacted, args=(process.stdout, self.log_dir / f"{name}.log"), daemon=True
        )
        copier.start()
        self.processes[name] = process
        self._copiers[name] = copier

    def log_tail(self, name: str, lines: int = 30) -> str:
        path = self.log_dir / f"{name}.log"
        if not path.exists():
            return ""
        return "\n".join(path.read_text(encoding="utf-8", errors="replace").splitlines()[-lines:])

    def wait_healthy(self, timeout: float = 300.0) -> None:
        """Poll the app's /health until Rasa and the actions are up; fail fast if a child dies."""
        url = f"http://127.0.0.1:{self.settings.app_port}/health"
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            for name, process in self.processes.items():
                if process.poll() is not None:
                    raise StartupError(
                        f"The {name} process exited with code {process.returncode} while starting. "
                        f"Last lines of {self.log_dir / (name + '.log')}:\n{self.log_tail(name)}"
                    )
            try:
                if httpx.get(url, timeout=2.0).status_code == 200:
                    return
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
        "var_dir": var_dir,
        "embedding_model": str(tuned_model_dir(built)),
    }
    return Settings(_env_file=None, **{**values, **overrides})
