"""Benchmarks (`make bench`): each writes its own section of BENCHMARKS.md."""

from __future__ import annotations

import re
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date
from pathlib import Path
from typing import Any

BENCHMARKS = Path(__file__).resolve().parent.parent / "BENCHMARKS.md"


def percentile(values: list[float], share: float) -> float:
    """The value at ``share`` (0.95: p95) of ``values`` by nearest rank; NaN when there are none."""
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(share * len(ordered)))] if ordered else float("nan")


def write_section(name: str, title: str, command: str, body: str) -> None:
    """Replace (or append) the section between ``<!-- bench:name -->`` markers in BENCHMARKS.md."""
    section = (
        f"<!-- bench:{name} -->\n## {title} — {date.today().isoformat()}\n\n"
        f"Command: `{command}`\n\n{body.strip()}\n<!-- /bench:{name} -->"
    )
    text = BENCHMARKS.read_text(encoding="utf-8") if BENCHMARKS.exists() else "# Benchmarks\n"
    pattern = re.compile(rf"<!-- bench:{name} -->.*?<!-- /bench:{name} -->", re.S)
    text = (
        pattern.sub(lambda _: section, text)
        if pattern.search(text)
        else text.rstrip() + "\n\n" + section + "\n"
    )
    BENCHMARKS.write_text(text, encoding="utf-8")
    print(section)


@contextmanager
def running_stack(**overrides: Any) -> Iterator[Any]:
    """A throw-away stack with every rate limit lifted (a script is not a person)."""
    from app.runner import running_stack as running

    with tempfile.TemporaryDirectory() as tmp, running(Path(tmp), **overrides) as stack:
        yield stack
