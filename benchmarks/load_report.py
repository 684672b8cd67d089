"""What one part of the load benchmark measured (benchmarks/load.py), and how it is written into
BENCHMARKS.md: the table of parts, the capacity curve and the CPU profile."""

from __future__ import annotations

from dataclasses import dataclass, field

from benchmarks import percentile, write_section


@dataclass
class Tally:
    latencies: list[float] = field(default_factory=list)  # ms, answered messages
    by_kind: dict[str, list[float]] = field(default_factory=dict)  # the same, per kind of message
    errors: int = 0  # an HTTP error, a timeout, a refused connection
    conversations: int = 0
    walkthroughs: int = 0  # reached the rating prompt and rated
    strayed: int = 0  # a walkthrough that left the script (the reply offered no expected button)
    error_kinds: dict[str, int] = field(default_factory=dict)

    def error(self, kind: str) -> None:
        self.errors += 1
        self.error_kinds[kind] = self.error_kinds.get(kind, 0) + 1


@dataclass
class Part:
    name: str
    users: int
    tally: Tally
    elapsed: float
    peak: dict[str, float]
    cpu: dict[str, float]
    profile: list[str] = field(default_factory=list)

    @property
    def messages(self) -> int:
        return len(self.tally.latencies)

    @property
    def throughput(self) -> float:
        return self.messages / self.elapsed

    def cpu_ms(self, process: str) -> float:
        return 1000 * self.cpu[process] / max(1, self.messages)


def spread(latencies: list[float]) -> str:
    """p50 / p95 / p99 in whole milliseconds."""
    return " / ".join(f"{percentile(latencies, share):.0f}" for share in (0.5, 0.95, 0.99))


def row(part: Part) -> str:
    latencies = part.tally.latencies
    return (
        f"| {part.name} | {part.users} | {part.messages} | {part.throughput:.1f} | "
        f"{spread(latencies)} | {part.tally.errors} | "
        f"{part.cpu_ms('rasa'):.0f} / {part.cpu_ms('app'):.0f} | "
        f"{part.peak['rasa']:.0f} / {part.peak['app']:.0f} |"
    )


def report(
    parts: dict[str, Part], curve: list[Part], users: int, seconds: float, think: float, command: str
) -> None:
    lines = [
        f"{users} closed-loop citizens for {seconds:.0f} s per part, on one stack started as `make run`",
        "does (rate limits lifted for the benchmark only). **mix**: conversations through `/api/chat`",
        "(greeting; a question with tones and one without; a walkthrough from a free-text opening to",
        "the rating — buttons pressed, the VNeID answer and a fact typed mid-walkthrough; thanks;",
        'goodbye), a new web sender per conversation. **baseline**: "xin chào" straight to Rasa\'s',
        "REST channel. CPU is the process tree's CPU time during the part ÷ messages answered.",
        "",
        "| Part | Citizens | Messages | msg/s | p50 / p95 / p99 (ms) | Errors | CPU/msg Rasa / app (ms) "
        "| Peak RSS Rasa / app (MB) |",
        "| --- | --- | --- | --- | --- | --- | --- | --- |",
        *(row(part) for part in parts.values()),
    ]
    if "mix" in parts:
        tally = parts["mix"].tally
        lines += [
            "",
            f"Mix: {tally.conversations} whole conversations, {tally.walkthroughs} walkthroughs rated, "
            f"{tally.strayed} strayed from the script.",
        ]
    if "mix" in parts and "baseline" in parts:
        ratio = parts["mix"].throughput / parts["baseline"].throughput
        lines.append(f"Mix ÷ baseline throughput: **{ratio:.2f}** (goal ≥ 0.67).")
    if curve:
        lines += [
            "",
            f"Capacity curve (the mix, {think:.0f} s think time between messages, "
            f"{curve[0].elapsed:.0f} s per point):",
            "",
            "| Citizens | msg/s | p50 / p95 / p99 (ms) | Errors |",
            "| --- | --- | --- | --- |",
            *(
                f"| {p.users} | {p.throughput:.1f} | {spread(p.tally.latencies)} | {p.tally.errors} |"
                for p in curve
            ),
        ]
    write_section("load", "Load: citizens at once against Rasa alone", command, "\n".join(lines))


def write_profile(parts: list[Part], seconds: float, command: str) -> None:
    lines = [
        "py-spy (50 samples/s; threads waiting on a lock, a queue or a selector left out) on the Rasa",
        f"and the app process while {parts[0].users} citizens ran each part for {seconds:.0f} s. A sample",
        "counts under every row its stack passes through (rows overlap: SQLAlchemy is inside retrieve",
        "and save). CPU per message from /proc.",
    ]
    for part in parts:
        lines += [
            "",
            f"**{part.name}**: {part.throughput:.1f} msg/s, CPU per message "
            f"Rasa {part.cpu_ms('rasa'):.0f} ms, app {part.cpu_ms('app'):.0f} ms.",
            "",
            *part.profile,
        ]
    write_section("profile", "Where a message's CPU goes", command, "\n".join(lines))
