"""Peak RSS and CPU time of a process and its children (psutil)."""

from __future__ import annotations

import threading

import psutil


def _tree(pid: int) -> list[psutil.Process]:
    """``pid`` and all its descendants still running."""
    try:
        process = psutil.Process(pid)
        return [process, *process.children(recursive=True)]
    except psutil.NoSuchProcess:
        return []


def _cpu_seconds(pid: int) -> float:
    """User + system CPU time of ``pid``'s whole tree, in seconds."""
    total = 0.0
    for member in _tree(pid):
        try:
            times = member.cpu_times()
        except psutil.NoSuchProcess:
            continue
        total += times.user + times.system
    return total


def _rss_mb(pid: int) -> float:
    total = 0
    for member in _tree(pid):
        try:
            total += member.memory_info().rss
        except psutil.NoSuchProcess:
            continue
    return total / 2**20


class Watch:
    """Peak RSS (sampled every 0.2 s) and CPU time of each named process while a part runs."""

    def __init__(self, pids: dict[str, int]) -> None:
        self.pids = pids
        self.peak = {name: _rss_mb(pid) for name, pid in pids.items()}
        self._cpu = {name: _cpu_seconds(pid) for name, pid in pids.items()}
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._sample, daemon=True)

    def _sample(self) -> None:
        while not self._stop.wait(0.2):
            for name, pid in self.pids.items():
                self.peak[name] = max(self.peak[name], _rss_mb(pid))

    def __enter__(self) -> Watch:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join()
        self.cpu = {name: _cpu_seconds(pid) - self._cpu[name] for name, pid in self.pids.items()}
