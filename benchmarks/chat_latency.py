"""Benchmark: start the stack as `make run` does, then time 100 sequential /api/chat messages.

Run with `make bench`. Prints the start-up time and the latency distribution; copy the
numbers into BENCHMARKS.md together with this command.
"""

from __future__ import annotations

import statistics
import sys
import tempfile
import time
import uuid
from pathlib import Path

import httpx

from app.runner import Stack, free_port
from app.settings import Settings

MESSAGES = [
    "xin chào",
    "đăng ký tạm trú online cần giấy tờ gì",
    "dk ks cho con can j",
    "cho tôi gặp cán bộ",
    "cam on ad",
    "ban la nguoi hay may",
    "lệ phí làm hộ chiếu bao nhiêu",
    "thời tiết hôm nay thế nào",
]


def main(count: int = 100) -> int:
    with tempfile.TemporaryDirectory() as tmp:
        settings = Settings(
            _env_file=None,
            app_port=free_port(),
            rasa_port=free_port(),
            rasa_auth_token=uuid.uuid4().hex * 2,
            var_dir=Path(tmp),
        )
        stack = Stack(settings=settings, log_dir=Path(tmp) / "log")
        started = time.perf_counter()
        stack.start()
        try:
            stack.wait_healthy(timeout=600)
            ready = time.perf_counter() - started
            timings = []
            with httpx.Client(base_url=f"http://127.0.0.1:{settings.app_port}", timeout=30) as client:
                sender = f"web:{uuid.uuid4()}"
                client.post("/api/chat", json={"sender": sender, "text": "xin chào"})  # warm-up
                for i in range(count):
                    begin = time.perf_counter()
                    response = client.post(
                        "/api/chat", json={"sender": sender, "text": MESSAGES[i % len(MESSAGES)]}
                    )
                    timings.append((time.perf_counter() - begin) * 1000)
                    response.raise_for_status()
        finally:
            stack.stop()
    timings.sort()
    print(f"stack ready (Rasa model loaded, app healthy): {ready:.1f} s")
    print(
        f"/api/chat, {count} sequential messages: median {statistics.median(timings):.0f} ms, "
        f"p95 {timings[int(0.95 * (count - 1))]:.0f} ms, max {timings[-1]:.0f} ms"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
