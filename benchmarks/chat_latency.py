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

from app.runner import Stack, isolated_settings
from benchmarks import write_section

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
        settings = isolated_settings(Path(tmp), channel_rate_limit=1000)  # a script, not a person
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
    body = "\n".join(
        [
            "Starts Rasa and the app exactly as `make run` does (free ports, a copy of the index), then",
            f"sends {count} sequential messages in one conversation: greetings, questions answered from",
            "the knowledge base, contact requests and out-of-scope chat, with and without diacritics.",
            "",
            "| What | Result |",
            "| --- | --- |",
            f"| Stack ready (Rasa model loaded, knowledge base open, `/health` green) | {ready:.1f} s |",
            f"| `/api/chat` median | {statistics.median(timings):.0f} ms |",
            f"| `/api/chat` p95 / max | {timings[int(0.95 * (count - 1))]:.0f} ms / {timings[-1]:.0f} ms |",
        ]
    )
    write_section("chat", "Start-up and chat latency", "make bench (benchmarks/chat_latency.py)", body)
    return 0


if __name__ == "__main__":
    sys.exit(main())
