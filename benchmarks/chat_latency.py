"""Benchmark: start the stack as `make run` does, then time 100 sequential /api/chat messages.

Run with `make bench`. Prints the start-up time and the latency distribution; copy the
numbers into BENCHMARKS.md together with this command.
"""

from __future__ import annotations

import statistics
import sys
import time

import httpx

from benchmarks import running_stack, write_section

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
    started = time.perf_counter()
    with running_stack() as stack:
        ready = time.perf_counter() - started
        timings = []
        with httpx.Client(base_url=f"http://127.0.0.1:{stack.settings.app_port}", timeout=30) as client:
            sender = client.post("/api/session").json()["sender"]
            client.post("/api/chat", json={"sender": sender, "text": "xin chào"})  # warm-up
            for i in range(count):
                begin = time.perf_counter()
                response = client.post(
                    "/api/chat", json={"sender": sender, "text": MESSAGES[i % len(MESSAGES)]}
                )
                timings.append((time.perf_counter() - begin) * 1000)
                response.raise_for_status()
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
