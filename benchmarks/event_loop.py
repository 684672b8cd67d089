"""Benchmark: the app's event loop stays free while searches run.

Starts the stack as `make run` does, then measures `/health` and a static file (`/widget.js`)
alone, and again while 20 clients send long `/api/search` queries back to back (BM25 and the
encoder run on worker threads; the global cap admits MAX_CONCURRENT_WORK of them at once and the
rest wait). Target: `/health` p95 ≤ 20 ms under that load. Run with `make bench`.
"""

from __future__ import annotations

import asyncio
import multiprocessing
import os
import statistics
import sys
import time

import httpx

from benchmarks import percentile, running_stack, write_section

SEARCHERS = 20
PROBES = 200
QUERY = (
    "Tôi muốn hỏi thủ tục đăng ký khai sinh cho con khi bố mẹ chưa đăng ký kết hôn, nộp trực tuyến trên "
    "Cổng Dịch vụ công thì cần những giấy tờ gì, lệ phí bao nhiêu, mất bao lâu và nộp ở đâu ạ? "
) * 8  # about 1,500 characters: a long question is the slowest to search


async def probe(client: httpx.AsyncClient, path: str, count: int) -> list[float]:
    timings = []
    for _ in range(count):
        started = time.perf_counter()
        response = await client.get(path)
        timings.append((time.perf_counter() - started) * 1000)
        response.raise_for_status()
        await asyncio.sleep(0.01)
    return timings


async def search_forever(base_url: str, seconds: float) -> tuple[int, int]:
    """SEARCHERS clients searching back to back for ``seconds``: (answered, turned away)."""
    done = [0, 0]
    deadline = time.monotonic() + seconds
    limits = httpx.Limits(max_connections=SEARCHERS)

    async def one(client: httpx.AsyncClient) -> None:
        while time.monotonic() < deadline:
            response = await client.get("/api/search", params={"q": QUERY, "k": 5})
            done[0 if response.status_code == 200 else 1] += 1

    async with httpx.AsyncClient(base_url=base_url, timeout=60, limits=limits) as client:
        await asyncio.gather(*(one(client) for _ in range(SEARCHERS)))
    return done[0], done[1]


def searchers(base_url: str, seconds: float, results: multiprocessing.Queue) -> None:
    """The load, in a process of its own (and behind the server in the CPU's queue: on two cores
    the generator would otherwise take CPU time from the server it measures)."""
    os.nice(10)
    results.put(asyncio.run(search_forever(base_url, seconds)))


async def measure(base_url: str) -> dict[str, object]:
    async with httpx.AsyncClient(base_url=base_url, timeout=60) as client:
        await probe(client, "/health", 10)  # warm-up
        idle = {path: await probe(client, path, PROBES) for path in ("/health", "/widget.js")}
        results: multiprocessing.Queue = multiprocessing.Queue()
        seconds = 2 + PROBES * 2 * 0.03 + 5  # long enough to cover every loaded probe
        load = multiprocessing.Process(target=searchers, args=(base_url, seconds, results))
        load.start()
        await asyncio.sleep(2)  # every searcher is under way
        loaded = {path: await probe(client, path, PROBES) for path in ("/health", "/widget.js")}
        answered, refused = await asyncio.to_thread(results.get)
        load.join()
    return {"idle": idle, "loaded": loaded, "searches": answered, "refused": refused, "seconds": seconds}


def main() -> int:
    with running_stack() as stack:
        settings = stack.settings
        result = asyncio.run(measure(f"http://127.0.0.1:{settings.app_port}"))
    rows = []
    for path in ("/health", "/widget.js"):
        idle, loaded = result["idle"][path], result["loaded"][path]  # type: ignore[index]
        rows.append(
            f"| `{path}` | {statistics.median(idle):.1f} / {percentile(idle, 0.95):.1f} ms "
            f"| {statistics.median(loaded):.1f} / {percentile(loaded, 0.95):.1f} ms |"
        )
    rate = result["searches"] / result["seconds"]  # type: ignore[operator]
    body = "\n".join(
        [
            f"{SEARCHERS} clients send ~1,500-character `/api/search` queries back to back while one",
            f"client probes `/health` and `/widget.js` {PROBES} times each (sequentially, 10 ms apart).",
            f"Under load the searches completed at {rate:.1f}/s (global cap {settings.max_concurrent_work},",
            f"{settings.worker_threads} search threads); {result['refused']} were turned away as busy.",
            "Target: `/health` p95 ≤ 20 ms under that load.",
            "",
            "| Route | Idle: median / p95 | 20 searches running: median / p95 |",
            "| --- | --- | --- |",
            *rows,
        ]
    )
    write_section("event-loop", "Event loop under search load", "make bench (benchmarks/event_loop.py)", body)
    return 0


if __name__ == "__main__":
    sys.exit(main())
