"""Benchmark: many citizens at once, against Rasa alone answering greetings, in the same run.

One stack is started as `make run` does (``running_stack``: free ports, every rate limit lifted
for the benchmark only). Then, one part after the other:

- **mix** — N closed-loop citizens (default 20) for a bounded time (default 45 s). Each runs
  conversations through ``/api/chat``, one web sender (``/api/session``) per conversation: a
  greeting, a question with tones, a question without, a guided walkthrough (the opening of
  benchmarks/task_success.py, the confirmation and "start" pressed as buttons, the VNeID answer
  and a fact typed in words mid-walkthrough, "next" pressed or typed, the rating pressed), thanks
  and goodbye. A walkthrough that strays from the script is counted, not hidden.
- **baseline** — the same N senders send "xin chào" straight to Rasa's REST channel
  (``/webhooks/rest/webhook`` on the Rasa port: one response, no custom action, no search) for
  the same time.
- **curve** — p95 of the mix against concurrent citizens (5, 10, 20, 40), each waiting 5 s
  between its messages (a person reads and types).

For each part: messages/s, p50/p95/p99 latency, errors, peak RSS and CPU time per message of
the Rasa and the app processes (children included, psutil). Inputs are fixed (no
randomness): citizen ``i`` in round ``r`` always says the same things.

    .venv/bin/python -m benchmarks.load [--only mix|baseline|curve] [--users 20] [--seconds 45]

``--profile`` instead runs py-spy on both processes during the mix and the baseline and writes
where a message's CPU goes (section ``bench:profile``); its CPU figures are not the benchmark's.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import sys
import tempfile
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from pathlib import Path

import httpx

from benchmarks import percentile, running_stack
from benchmarks.load_profile import profile_lines, start_profile
from benchmarks.load_report import Part, Tally, report, spread, write_profile
from benchmarks.processes import Watch
from benchmarks.task_success import REPLIES, opening
from knowledge.seed import load_seed

GREETINGS = ("xin chào", "chao ban", "chào ad ạ", "alo")
# (with tones, without tones): questions people ask before or instead of a walkthrough.
QUESTIONS = (
    ("đăng ký tạm trú online cần giấy tờ gì", "lam ho chieu o dau"),
    ("lệ phí làm hộ chiếu bao nhiêu", "dang ky ket hon can giay to gi"),
    ("làm lại căn cước bị mất thì làm sao", "cap phieu ly lich tu phap mat bao lau"),
    ("đăng ký khai sinh cho con cần những gì", "doi bang lai xe online duoc khong"),
)
# Facts typed in the middle of a walkthrough (the guide answers them and stays where it was).
FACTS = ("lệ phí bao nhiêu", "mat bao lau thi xong", "nộp ở đâu vậy", "can giay to gi")
THANKS = ("cảm ơn nhé", "cam on ad")
GOODBYES = ("tạm biệt", "bye ad")
WALK_STYLES = ("accented", "unaccented")
NEXT = "/guide_next"
RATE = '/rate{"rating": 5}'
MAX_WALK_TURNS = 20
CURVE_USERS = (5, 10, 20, 40)
THINK_SECONDS = 5.0
CURVE_SECONDS = 40.0
PARTS = ("mix", "baseline", "curve")


# --- the citizens ---------------------------------------------------------------------------


class Stopped(Exception):
    """The part's time is up (raised before a message, never in the middle of one)."""


@dataclass
class Clock:
    deadline: float
    think: float = 0.0


async def timed_post(
    client: httpx.AsyncClient, url: str, body: dict, tally: Tally, clock: Clock, kind: str = "greeting"
) -> dict | list | None:
    """One message: wait the think time, send, record the latency (or the error)."""
    if clock.think:
        await asyncio.sleep(clock.think)
    if time.monotonic() >= clock.deadline:
        raise Stopped
    begin = time.perf_counter()
    try:
        response = await client.post(url, json=body)
    except httpx.HTTPError as exc:
        tally.error(type(exc).__name__)
        return None
    if response.status_code != 200:
        tally.error(f"HTTP {response.status_code}")
        return None
    tally.latencies.append((time.perf_counter() - begin) * 1000)
    tally.by_kind.setdefault(kind, []).append(tally.latencies[-1])
    return response.json()


class Citizen:
    """One person at a time through ``/api/chat``; citizen ``number`` always says the same."""

    def __init__(self, client: httpx.AsyncClient, number: int, procedures: list, tally: Tally, clock: Clock):
        self.client, self.number, self.procedures = client, number, procedures
        self.tally, self.clock = tally, clock
        self.sender = ""

    async def say(self, text: str, kind: str) -> list[dict]:
        answer = await timed_post(
            self.client, "/api/chat", {"sender": self.sender, "text": text}, self.tally, self.clock, kind
        )
        return answer["messages"] if isinstance(answer, dict) else []

    async def conversation(self, round_: int) -> None:
        turn = self.number + round_
        if time.monotonic() >= self.clock.deadline:
            raise Stopped
        response = await self.client.post("/api/session")
        if not response.is_success:
            self.tally.error(f"session HTTP {response.status_code}")
            await asyncio.sleep(1)
            return
        self.sender = response.json()["sender"]
        toned, untoned = QUESTIONS[turn % len(QUESTIONS)]
        await self.say(GREETINGS[turn % len(GREETINGS)], "greeting")
        await self.say(toned, "question")
        await self.say(untoned, "question")
        await self.walkthrough(turn)
        await self.say(THANKS[turn % len(THANKS)], "thanks/bye")
        await self.say(GOODBYES[turn % len(GOODBYES)], "thanks/bye")
        self.tally.conversations += 1

    async def walkthrough(self, turn: int) -> None:
        """From a free-text opening to the rating, reading only the replies' buttons."""
        procedure = self.procedures[turn % len(self.procedures)]
        style = WALK_STYLES[turn % len(WALK_STYLES)]
        messages = await self.say(opening(procedure.name, procedure.aliases, style), "walk: opening")
        affirmed = fact_asked = False
        for step in range(MAX_WALK_TURNS):
            payloads = [button.get("payload") for m in messages for button in m.get("buttons", [])]
            if RATE in payloads:
                await self.say(RATE, "walk: button")
                self.tally.walkthroughs += 1
                return
            if "/affirm" in payloads and not affirmed:  # "is it procedure X?" — the button
                affirmed = True
                messages = await self.say("/affirm", "walk: button")
            elif "/affirm" in payloads:  # "do you have a VNeID account?" — typed
                messages = await self.say(REPLIES["has_account"][style], "walk: typed")
            elif NEXT in payloads and "/guide_back" in payloads and not fact_asked:
                fact_asked = True  # on the first step, a fact typed in words, then typed "next"
                await self.say(FACTS[turn % len(FACTS)], "walk: fact")
                messages = await self.say(REPLIES["next"][style], "walk: typed")
            elif NEXT in payloads:
                messages = await self.say(
                    NEXT if step % 2 else REPLIES["next"][style],
                    "walk: button" if step % 2 else "walk: typed",
                )
            elif "/deny" in payloads:  # "where do you live?" with only "skip" offered — typed
                messages = await self.say(REPLIES["address"][style], "walk: typed")
            else:
                self.stray(messages)
                return
        self.stray(messages)

    def stray(self, messages: list[dict]) -> None:
        if not self.tally.strayed:  # the first one is shown, to be looked at
            shown = [
                (m.get("text", "")[:80], [b.get("payload") for b in m.get("buttons", [])]) for m in messages
            ]
            print("strayed from the script at:", shown)
        self.tally.strayed += 1

    async def run(self) -> None:
        round_ = 0
        while True:
            await self.conversation(round_)
            round_ += 1


async def greeter(client: httpx.AsyncClient, number: int, tally: Tally, clock: Clock) -> None:
    """The baseline: "xin chào" straight to Rasa's REST channel, over and over."""
    body = {"sender": f"load-baseline-{number}", "message": "xin chào"}
    while True:
        await timed_post(client, "/webhooks/rest/webhook", body, tally, clock)


async def drive(base_url: str, users: int, seconds: float, make: Callable, think: float = 0.0) -> tuple:
    """``users`` closed loops for ``seconds``; messages in flight at the deadline finish."""
    tally = Tally()
    clock = Clock(deadline=time.monotonic() + seconds, think=think)
    # Idle connections are let go before the app's server closes them (uvicorn: after 5 s, the
    # think time): a request on a connection the server is closing fails without an answer.
    limits = httpx.Limits(
        max_connections=users + 5, max_keepalive_connections=users + 5, keepalive_expiry=2.0
    )
    async with httpx.AsyncClient(base_url=base_url, timeout=60, limits=limits) as client:

        async def loop(number: int) -> None:
            with contextlib.suppress(Stopped):
                await make(client, number, tally, clock)

        started = time.monotonic()
        await asyncio.gather(*(loop(number) for number in range(users)))
        elapsed = time.monotonic() - started
    return tally, elapsed


def mix_loop(procedures: list) -> Callable[..., Awaitable[None]]:
    async def make(client: httpx.AsyncClient, number: int, tally: Tally, clock: Clock) -> None:
        await Citizen(client, number, procedures, tally, clock).run()

    return make


def run_part(
    stack,
    name: str,
    base_url: str,
    users: int,
    seconds: float,
    make,
    think: float = 0.0,
    profile: Path | None = None,
) -> Part:
    pids = {process: stack.processes[process].pid for process in ("rasa", "app")}
    runs = start_profile(stack, seconds, profile) if profile else []
    with Watch(pids) as watch:
        tally, elapsed = asyncio.run(drive(base_url, users, seconds, make, think))
    part = Part(name, users, tally, elapsed, watch.peak, watch.cpu)
    part.profile = profile_lines(runs) if runs else []
    print(
        f"{name:10} users={users:3} msgs={part.messages:5} {part.throughput:6.1f} msg/s "
        f"p50/p95/p99 {spread(tally.latencies)} ms errors={tally.errors} {tally.error_kinds} "
        f"walkthroughs={tally.walkthroughs} strayed={tally.strayed} "
        f"cpu/msg rasa={part.cpu_ms('rasa'):.0f} app={part.cpu_ms('app'):.0f} ms "
        f"rss rasa={part.peak['rasa']:.0f} app={part.peak['app']:.0f} MB",
        flush=True,
    )
    kinds = sorted(tally.by_kind.items())
    print(
        "           p50/p95 ms by kind:",
        ", ".join(f"{k} {percentile(v, 0.5):.0f}/{percentile(v, 0.95):.0f}" for k, v in kinds),
    )
    return part


def command_line(argv: list[str] | None) -> str:
    arguments = argv if argv is not None else sys.argv[1:]
    if not arguments:
        return "make bench (.venv/bin/python -m benchmarks.load)"
    return ".venv/bin/python -m benchmarks.load " + " ".join(arguments)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--only", choices=PARTS, action="append", help="run only this part (repeatable)")
    parser.add_argument("--users", type=int, default=20, help="concurrent citizens (mix, baseline)")
    parser.add_argument("--seconds", type=float, default=45.0, help="duration of the mix and the baseline")
    parser.add_argument("--curve-seconds", type=float, default=CURVE_SECONDS, help="duration per curve point")
    parser.add_argument(
        "--curve-users", type=int, nargs="+", default=list(CURVE_USERS), help="citizens per curve point"
    )
    parser.add_argument(
        "--profile",
        action="store_true",
        help="instead of the figures: py-spy on both processes during the mix and the baseline "
        "(section 'Where a message's CPU goes')",
    )
    args = parser.parse_args(argv)
    wanted = args.only or list(PARTS)
    procedures = [procedure for _, procedure in sorted(load_seed().procedures.items())]
    parts: dict[str, Part] = {}
    curve: list[Part] = []
    with running_stack() as stack:
        app_url = f"http://127.0.0.1:{stack.settings.app_port}"
        mix = mix_loop(procedures)
        run_part(stack, "warm-up", app_url, 2, 10, mix)  # first calls load lazily; not reported
        if args.profile:
            folder = Path(tempfile.mkdtemp(prefix="load-profile-"))
            profiled = [
                run_part(stack, "mix", app_url, args.users, args.seconds, mix, profile=folder / "mix"),
                run_part(
                    stack,
                    "baseline",
                    stack.settings.rasa_url,
                    args.users,
                    args.seconds,
                    greeter,
                    profile=folder / "baseline",
                ),
            ]
            print(f"py-spy's raw stacks: {folder}/<part>/<process>.txt")
            write_profile(profiled, args.seconds, command_line(argv))
            return 0
        if "mix" in wanted:
            parts["mix"] = run_part(stack, "mix", app_url, args.users, args.seconds, mix)
        if "baseline" in wanted:
            parts["baseline"] = run_part(
                stack, "baseline", stack.settings.rasa_url, args.users, args.seconds, greeter
            )
        if "curve" in wanted:
            for users in args.curve_users:
                curve.append(run_part(stack, "curve", app_url, users, args.curve_seconds, mix, THINK_SECONDS))
    report(parts, curve, args.users, args.seconds, THINK_SECONDS, command_line(argv))
    return 0


if __name__ == "__main__":
    sys.exit(main())
