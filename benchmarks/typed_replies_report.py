"""The report of ``benchmarks.typed_replies``: the Markdown tables written into BENCHMARKS.md."""

from __future__ import annotations

import re
import statistics
from collections import Counter, defaultdict

from benchmarks.task_success import STYLES
from benchmarks.typed_replies import (
    FREE,
    MAX_TURNS,
    MODES,
    ROOT,
    STAGES,
    Conversation,
    Reply,
    heldout_openings,
)


def rate(results: list[bool]) -> str:
    return f"{sum(results)}/{len(results)} ({100 * sum(results) / len(results):.0f} %)" if results else "—"


def moved(replies: list[Reply]) -> str:
    return rate([reply.result == "advanced" for reply in replies])


def table(header: list[str], rows: list[list[str]]) -> list[str]:
    return ["", "| " + " | ".join(header) + " |", "|" + " --- |" * len(header)] + [
        "| " + " | ".join(row) + " |" for row in rows
    ]


def report(done: list[Conversation], leaked: list[str], elapsed: str, sample: int | None) -> str:
    generated = [t for t in done if t.kind == "generated"]
    heldout = [t for t in done if t.kind == "heldout"]
    path = heldout_openings()[0].relative_to(ROOT)
    lines = [
        "A scripted citizen per opening and reply mode answers every question of the guide through "
        "`/api/chat`: **button** (its payload), **title typed** (the button's title in the opening's "
        f"style) or **free text** (what people type instead: {sum(map(len, FREE.values()))} replies "
        "rotated per stage; procedures are chosen by typing the title). Success: the rating is stored "
        "with the chosen score for the right procedure and the comment is answered, with no reset, no "
        f"question shown a third time in a row, within {MAX_TURNS} turns. Openings: generated "
        f"(task_success: {len({t.slug for t in generated})} procedures{' (seeded sample)' if sample else ''}"
        f" × {len(STYLES)} styles) and held out (`{path}`: {len(heldout) // len(MODES)} openings, "
        f"style read from their tones; {len(leaked)} left out as training strings).",
    ]
    lines += table(
        ["Mode", *STYLES, "all generated", "held out"],
        [
            [name]
            + [rate([t.success for t in generated if t.mode == mode and t.style == s]) for s in STYLES]
            + [rate([t.success for t in kind if t.mode == mode]) for kind in (generated, heldout)]
            for mode, name in MODES.items()
        ],
    )
    replies: dict[tuple[str, str], list[Reply]] = defaultdict(list)
    for talk in done:
        for reply in talk.replies:
            replies[reply.stage, talk.mode].append(reply)
    lines += [
        "",
        "Per stage, all openings: replies after which the guide moved on as expected [replies that reset "
        "or lost the walkthrough]. `walkthrough`: the button under an answer; `documents`: “Xem chi tiết "
        "giấy tờ” at the ready stage; `back`: “Quay lại” at step 2; `suggestion`: the procedure among the "
        "topics of an unsure answer (its answer should offer the walkthrough).",
    ]
    rows = []
    for stage in STAGES:
        cells = [stage]
        for mode in MODES:
            given = replies[stage, mode]
            resets = sum(r.result == "reset" for r in given)
            cells.append(moved(given) + (f" [{resets}]" if resets else ""))
        rows.append(cells)
    lines += table(["Stage", *MODES.values()], rows)
    lines += ["", "Free-text replies, moved on / given, per style of the conversation:"]
    rows = []
    for stage, variants in FREE.items():
        for variant in variants:
            given = [r for r in replies[stage, "free"] if r.variant == variant]
            rows.append([stage, variant, *(moved([r for r in given if r.style == s]) for s in STYLES)])
    lines += table(["Stage", "Reply", *STYLES], rows)
    rows = []
    for mode, name in MODES.items():
        chosen = [t for t in done if t.mode == mode]
        turns = [t.turns for t in chosen if t.success] or [0]
        kinds = Counter(t.failure.split()[0] for t in chosen if not t.success)
        loops = kinds["asked"]
        rows.append([name, f"{statistics.median(turns):.0f} / {max(turns)}", str(kinds["reset"]), str(loops)])
        rows[-1].append(str(kinds.total() - kinds["reset"] - loops))
    lines += table(
        ["Mode", "Turns per success (median / max)", "Resets", "Loops (third ask)", "Other failures"], rows
    )
    kinds = Counter(f"{t.mode}: {re.split(r' by |: ', t.failure)[0]}" for t in done if not t.success)
    lines += [
        "",
        f"{len(done)} conversations in {elapsed}. Failures by kind: "
        + (", ".join(f"{k} {v}" for k, v in kinds.most_common()) or "none")
        + ". The run prints each failing conversation's last turns.",
    ]
    if leaked:
        lines += [
            "",
            "Held-out openings left out as training strings: " + "; ".join(f"“{t}”" for t in leaked),
        ]
    return "\n".join(lines)
