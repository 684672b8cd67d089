"""The runner's pieces on their own, without Rasa: the pause before a restart and the restart
limit, a child dying with the process that started it (PR_SET_PDEATHSIG), our servers told from
other processes, and a busy port named but never taken. The whole runner under faults:
test_processes.py."""

from __future__ import annotations

import os
import socket
import subprocess
import sys

import psutil
import pytest

from app.processes import port_holder, which_server
from app.runner import ROOT, Stack, StartupError, isolated_settings
from app.supervisor import Deaths, RestartPolicy
from tests.faults.test_processes import wait_dead


def test_the_pause_before_a_restart_doubles_up_to_its_cap_and_the_limit_stops_it():
    policy = RestartPolicy(limit=7, window=600, max_delay=30)
    assert [policy.delay(deaths) for deaths in range(1, 9)] == [1, 2, 4, 8, 16, 30, 30, None]
    assert RestartPolicy(limit=0, window=600).delay(1) is None  # RESTART_LIMIT=0: never restart


def test_deaths_older_than_the_window_no_longer_count():
    deaths = Deaths(window=600)
    assert [deaths.record(now) for now in (0, 10, 20)] == [1, 2, 3]
    assert deaths.record(605) == 3  # the death at 0 s is out of the window
    assert deaths.record(1300) == 1  # a quiet stretch: the pause starts again at 1 s


def test_a_child_dies_with_the_process_that_started_it_even_when_sigkilled():
    spawner = subprocess.Popen(
        [
            sys.executable,
            "-c",
            "import os, subprocess, sys, time\n"
            "from app.processes import die_with_parent\n"
            "child = subprocess.Popen(['sleep', '600'], start_new_session=True,"
            " preexec_fn=die_with_parent(os.getpid()))\n"
            "print(child.pid, flush=True)\n"
            "time.sleep(600)\n",
        ],
        cwd=ROOT,
        env={**os.environ, "PYTHONPATH": str(ROOT)},
        stdout=subprocess.PIPE,
        text=True,
    )
    assert spawner.stdout is not None
    child = psutil.Process(int(spawner.stdout.readline()))
    assert child.is_running() and os.getsid(child.pid) == child.pid  # its own session
    spawner.kill()
    spawner.wait()
    assert wait_dead([child], timeout=5) < 5


def test_our_servers_are_told_from_other_processes(tmp_path):
    rasa = [str(ROOT / ".venv-rasa" / "bin" / "python"), "-m", "nlu.launcher", "run", "--port", "5005"]
    app = [str(ROOT / ".venv" / "bin" / "python"), "-m", "app.server"]
    assert which_server(rasa, str(ROOT)) == "rasa"
    assert which_server(app, str(ROOT)) == "app"
    assert which_server(rasa, str(tmp_path)) is None  # another checkout's
    assert which_server(["/usr/bin/python3", "-m", "app.server"], str(ROOT)) is None
    assert which_server(["nginx", "-g", "daemon off;"], "/") is None


def test_a_port_held_by_a_live_process_is_named_and_never_taken(tmp_path):
    with socket.socket() as held:
        held.bind(("127.0.0.1", 0))
        held.listen()
        port = held.getsockname()[1]
        holder = port_holder(port)
        assert holder is not None and holder.pid == os.getpid()
        assert holder.ours is None and not holder.leftover
        settings = isolated_settings(tmp_path / "var", app_port=port)
        busy = rf"Port {port} for the app is busy \(python\S*, pid {os.getpid()}\)\. Stop whatever"
        with pytest.raises(StartupError, match=busy):
            Stack(settings=settings, log_dir=tmp_path / "log").check()
        assert port_holder(port) is not None  # still held: nothing was stopped
