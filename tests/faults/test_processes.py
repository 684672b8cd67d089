"""The runner's processes under faults, driven for real: ``python -m app run`` and ``make run`` as
an operator starts them (subprocesses in their own process group, with their own var/ and free
ports), the real Rasa server with the trained model.

- Rasa SIGKILLed mid-walkthrough: the citizen gets the polite reply at once (a refused
  connection does not wait for RASA_TIMEOUT); the app keeps serving (its /health says Rasa is
  down, the staff console works); the runner logs the death and restarts Rasa; the walkthrough
  goes on from the tracker at the same step. The app SIGKILLed: restarted the same way. A death
  past RESTART_LIMIT: the runner stops everything and exits 1.
- The runner SIGKILLed: Rasa and the app are gone within seconds (PR_SET_PDEATHSIG).
- The next ``make run`` finds the app server an older runner left behind, says so, stops it and
  starts; SIGTERM to make's process group (two SIGTERMs for the runner, and more sent during the
  shutdown) stops it cleanly: one line, no traceback, no process left, the ports free.

Two stacks and one Rasa restart: about three minutes on two idle cores.
"""

from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from contextlib import suppress
from pathlib import Path

import httpx
import psutil
import pytest

from app.processes import which_server
from app.runner import (
    LIFTED_LIMITS,
    ROOT,
    app_command,
    app_env,
    isolated_settings,
    port_is_free,
    settings_env,
)
from app.settings import Settings

RUN = [sys.executable, "-m", "app", "run"]
# The Makefile's own `run` recipe, without re-checking the environments, the model and the index.
MAKE_RUN = ["make", "--no-print-directory", "-o", "install", "-o", "train", "-o", "index", "run"]
PASSWORD = "Mật khẩu đủ dài 2026"
ONE_OF_ONE = r"\(restart 1 of 1 allowed within 10 min\)\."
START = 600.0  # seconds a start (or Rasa's restart) may take on a busy machine


class Runner:
    """A runner (``python -m app run``, or ``make run``) in its own process group; its output is
    collected line by line as it comes."""

    def __init__(self, command: list[str], settings: Settings) -> None:
        self.settings = settings
        self.process = subprocess.Popen(
            command,
            cwd=ROOT,
            env=settings_env(settings),
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
            start_new_session=True,
        )
        self.lines: list[str] = []
        self._reader = threading.Thread(target=self._read, daemon=True)
        self._reader.start()

    def _read(self) -> None:
        assert self.process.stdout is not None
        for line in self.process.stdout:
            self.lines.append(line.rstrip("\n"))

    @property
    def output(self) -> str:
        return "\n".join(self.lines)

    def wait_for(self, pattern: str, timeout: float = START) -> re.Match[str]:
        """The first line matching ``pattern``, waiting for it; fails if the runner exits first."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            for line in list(self.lines):
                if found := re.search(pattern, line):
                    return found
            if self.process.poll() is not None:
                self._reader.join(timeout=5)
                if any(re.search(pattern, line) for line in self.lines):
                    continue
                code = self.process.returncode
                pytest.fail(f"the runner exited ({code}) before {pattern!r}:\n{self.output}")
            time.sleep(0.2)
        pytest.fail(f"no {pattern!r} within {timeout:.0f} s:\n{self.output}")

    def runner(self) -> psutil.Process:
        """The ``python -m app run`` process itself (under make: make's descendant)."""
        top = psutil.Process(self.process.pid)
        for process in [top, *top.children(recursive=True)]:
            if process.cmdline()[1:4] == ["-m", "app", "run"]:
                return process
        raise AssertionError(f"no runner under pid {self.process.pid}")

    def children(self) -> dict[str, psutil.Process]:
        """The runner's Rasa and app servers, by name."""
        found = {}
        for child in self.runner().children():
            name = which_server(child.cmdline(), child.cwd())
            if name is not None:
                found[name] = child
        return found

    def close(self) -> None:
        """Stop whatever a failed test left running (the group first, the children after)."""
        children = []
        if self.process.poll() is None:
            children = list(self.children().values())
            os.killpg(self.process.pid, signal.SIGTERM)
            try:
                self.process.wait(timeout=60)
            except subprocess.TimeoutExpired:
                os.killpg(self.process.pid, signal.SIGKILL)
                self.process.wait()
        for child in children:
            if not dead(child):
                child.kill()


def dead(process: psutil.Process) -> bool:
    """Gone, or a zombie waiting for whoever adopted it to reap it."""
    try:
        return process.status() == psutil.STATUS_ZOMBIE
    except psutil.NoSuchProcess:
        return True


def wait_dead(processes: list[psutil.Process], timeout: float) -> float:
    """Seconds until every process in ``processes`` was gone; fails after ``timeout``."""
    started = time.monotonic()
    while time.monotonic() - started < timeout:
        if all(dead(process) for process in processes):
            return time.monotonic() - started
        time.sleep(0.05)
    alive = [process.pid for process in processes if not dead(process)]
    pytest.fail(f"still running after {timeout:.0f} s: {alive}")


def ports_free(settings: Settings, timeout: float = 5.0) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if port_is_free(settings.rasa_port) and port_is_free(settings.app_port):
            return True
        time.sleep(0.1)
    return False


def healthy(settings: Settings, timeout: float = START) -> None:
    deadline = time.monotonic() + timeout
    url = f"http://127.0.0.1:{settings.app_port}/health"
    while time.monotonic() < deadline:
        try:
            if httpx.get(url, timeout=5).status_code == 200:
                return
        except httpx.TransportError:
            pass
        time.sleep(0.5)
    pytest.fail(f"/health not 200 within {timeout:.0f} s")


def create_admin(settings: Settings) -> None:
    """The console's first admin, made as an operator does (``python -m app staff create-user``)."""
    done = subprocess.run(
        [*RUN[:-1], "staff", "create-user", "chef", "--role", "admin"],
        input=PASSWORD + "\n",
        cwd=ROOT,
        env=settings_env(settings),
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert done.returncode == 0, done.stderr


class Citizen:
    """A person on the web chat; the walkthrough's step read from Rasa's tracker."""

    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self.api = httpx.Client(base_url=f"http://127.0.0.1:{settings.app_port}", timeout=60)
        self.sender = self.api.post("/api/session").json()["sender"]

    def say(self, text: str) -> str:
        response = self.api.post("/api/chat", json={"sender": self.sender, "text": text})
        assert response.status_code == 200, response.text
        return "\n".join(message["text"] for message in response.json()["messages"])

    def step(self) -> tuple[str | None, float | None]:
        response = httpx.get(
            f"{self.settings.rasa_url}/conversations/{self.sender}/tracker",
            params={"token": self.settings.rasa_auth_token},
            timeout=30,
        )
        assert response.status_code == 200, response.text
        slots = response.json()["slots"]
        return slots["procedure"], slots["guide_step"]


# --- one stack: Rasa dies, the app dies, then Rasa dies once too often --------------------------


@pytest.fixture(scope="module")
def supervised(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Runner]:
    """``python -m app run`` allowed one restart of each child within the window."""
    settings = isolated_settings(tmp_path_factory.mktemp("var"), **LIFTED_LIMITS, restart_limit=1)
    create_admin(settings)
    runner = Runner(RUN, settings)
    try:
        runner.wait_for(r"^Ready in \d+ s")
        yield runner
    finally:
        runner.close()


@pytest.mark.rasa
def test_rasa_killed_mid_walkthrough_is_restarted_and_the_walkthrough_goes_on(supervised):
    settings = supervised.settings
    citizen = Citizen(settings)
    assert "Đăng ký khai sinh" in citizen.say("tôi muốn làm giấy khai sinh cho con online")
    citizen.say("đúng rồi")
    citizen.say("có rồi")
    citizen.say("số 5 Lê Duẩn, phường Bến Nghé, quận 1, TP Hồ Chí Minh")
    assert citizen.say("bắt đầu").startswith("Bước 1/")
    assert citizen.say("tiếp theo").startswith("Bước 2/")
    assert citizen.step() == ("dang-ky-khai-sinh", 2.0)

    rasa = supervised.children()["rasa"]
    rasa.kill()
    rasa.wait(timeout=10)
    started = time.monotonic()
    polite = citizen.say("tiếp theo")
    waited = time.monotonic() - started
    assert "gián đoạn" in polite and settings.centre_hotline in polite
    # Refused at once: no wait for RASA_TIMEOUT (10 s), nor for the 2 s connect timeout.
    assert waited < 2.0, waited
    print(f"polite reply {waited * 1000:.0f} ms after Rasa's SIGKILL")

    # The app goes on serving: its /health says which part is down, the console works.
    time.sleep(1.1)  # /health reuses Rasa's state for up to a second
    health = citizen.api.get("/health")
    assert health.status_code == 503 and health.json()["rasa"].startswith("error"), health.text
    signed_in = citizen.api.post("/api/staff/session", json={"username": "chef", "password": PASSWORD})
    assert signed_in.status_code == 200, signed_in.text
    assert citizen.api.get("/api/staff/me").json()["username"] == "chef"

    supervised.wait_for(rf"UTC Rasa was killed by SIGKILL; restarting it in 1 s {ONE_OF_ONE}$", 30)
    restarted = supervised.wait_for(r"UTC Rasa restarted \(pid (\d+)\)\.$", 30)
    assert int(restarted[1]) != rasa.pid
    healthy(settings)
    print(f"Rasa back {time.monotonic() - started:.0f} s after its SIGKILL")

    # The tracker is on disk: the same step, and the next message goes on from it.
    assert citizen.step() == ("dang-ky-khai-sinh", 2.0)
    assert citizen.say("tiếp theo").startswith("Bước 3/")
    assert citizen.step() == ("dang-ky-khai-sinh", 3.0)

    runner_log = settings.var_dir / "log" / "runner.log"
    assert oct(runner_log.stat().st_mode & 0o777) == "0o600"
    logged = runner_log.read_text(encoding="utf-8")
    assert "Rasa was killed by SIGKILL; restarting it in 1 s" in logged and "Rasa restarted" in logged
    for secret in (settings.rasa_auth_token, settings.app_secret_key):
        assert secret not in logged and secret not in supervised.output


@pytest.mark.rasa
def test_the_app_killed_is_restarted(supervised):
    settings = supervised.settings
    healthy(settings, timeout=60)
    app = supervised.children()["app"]
    app.kill()
    supervised.wait_for(rf"UTC The app was killed by SIGKILL; restarting it in 1 s {ONE_OF_ONE}$", 30)
    supervised.wait_for(r"UTC The app restarted \(pid \d+\)\.$", 30)
    healthy(settings, timeout=180)
    citizen = Citizen(settings)
    assert "gián đoạn" not in citizen.say("xin chào")


@pytest.mark.rasa
def test_a_death_past_the_restart_limit_stops_everything(supervised):
    settings = supervised.settings
    healthy(settings, timeout=60)
    children = supervised.children()
    children["rasa"].kill()
    assert supervised.process.wait(timeout=60) == 1
    supervised.wait_for(
        r"UTC Rasa was killed by SIGKILL: 2 deaths within 10 min, more than the 1 restarts "
        r"RESTART_LIMIT allows\. Stopping everything\.",
        5,
    )
    wait_dead(list(children.values()), timeout=5)
    assert ports_free(settings)


# --- the runner SIGKILLed, a leftover from an older runner, make run stopped by its group -------


def leave_app_server_behind(settings: Settings) -> psutil.Process:
    """An app server as a runner without PR_SET_PDEATHSIG left it when SIGKILLed: its own session,
    adopted by init, holding the app's port."""
    spawn = (
        "import subprocess, sys; "
        "child = subprocess.Popen(sys.argv[1:], start_new_session=True, "
        "stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL); print(child.pid)"
    )
    done = subprocess.run(
        [sys.executable, "-c", spawn, *app_command(settings)],
        cwd=ROOT,
        env=app_env(settings),
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    )
    leftover = psutil.Process(int(done.stdout))
    deadline = time.monotonic() + 180
    while port_is_free(settings.app_port):
        assert time.monotonic() < deadline and not dead(leftover), "the leftover app server did not start"
        time.sleep(0.2)
    assert leftover.ppid() != os.getpid()
    return leftover


@pytest.mark.rasa
def test_the_runner_sigkilled_then_make_run_starts_and_stops_cleanly(tmp_path: Path):
    settings = isolated_settings(tmp_path / "var", **LIFTED_LIMITS)
    first = Runner(RUN, settings)
    try:
        first.wait_for(r"^Ready in \d+ s")
        children = first.children()
        assert set(children) == {"rasa", "app"}
        first.process.kill()
        first.process.wait()
        # Their ports are free at once; Rasa's process then takes a few seconds more to exit
        # (TensorFlow's teardown when the interpreter finalises: 5-10 s on two busy cores).
        assert ports_free(settings, timeout=5)
        gone = wait_dead(list(children.values()), timeout=20)
        print(f"Rasa and the app gone {gone:.1f} s after the runner's SIGKILL")
    finally:
        first.close()

    leftover = leave_app_server_behind(settings)
    second = Runner(MAKE_RUN, settings)
    try:
        second.wait_for(
            rf"UTC Port {settings.app_port} is held by an app server an earlier run of this checkout "
            rf"left behind \(pid {leftover.pid}\): stopping it\.$"
        )
        second.wait_for(r"^Ready in \d+ s")
        assert dead(leftover)
        runner, children = second.runner(), list(second.children().values())
        os.killpg(second.process.pid, signal.SIGTERM)  # make forwards it: two SIGTERMs
        second.wait_for(r"UTC Stopping on SIGTERM: the app, then Rasa\.$", 30)
        for repeated in (signal.SIGTERM, signal.SIGINT, signal.SIGTERM):  # an impatient operator
            with suppress(psutil.NoSuchProcess):
                runner.send_signal(repeated)
        assert second.process.wait(timeout=60) == -signal.SIGTERM  # make ends by the signal it got
        second._reader.join(timeout=5)
        # One line from the signal on: no traceback, no make "Error" (the runner exited 0).
        [stopping] = [i for i, line in enumerate(second.lines) if "Stopping on" in line]
        # (Only if Rasa outlived its 15 s of grace on a crowded machine, the runner says it killed it.)
        assert all("did not stop within" in line for line in second.lines[stopping + 1 :]), second.output
        assert "Traceback" not in second.output and "Error" not in second.output
        wait_dead([runner, *children], timeout=5)  # the runner waited for them
        assert ports_free(settings)
    finally:
        second.close()
        if not dead(leftover):
            leftover.kill()
