"""Where a message's CPU goes: py-spy on the Rasa and the app process (benchmarks/load.py --profile).

py-spy samples each thread's Python stack; a sample whose innermost frame is a wait (a lock, a
queue, the selector) is left out, and each remaining one counts under every label its stack
passes through.
"""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

# (label, process, what a sampled stack contains); a sample counts in every label it matches.
PROFILE_LABELS = (
    ("Rasa: the whole message (`handle_message`)", "rasa", ("handle_message (rasa/core/processor.py",)),
    (
        "Rasa: tracker retrieve",
        "rasa",
        ("retrieve (rasa/core/tracker_store.py", "retrieve (nlu/tracker_store.py"),
    ),
    ("Rasa: tracker save", "rasa", ("save (rasa/core/tracker_store.py", "save (nlu/tracker_store.py")),
    ("Rasa: SQLAlchemy (all of it)", "rasa", ("sqlalchemy/",)),
    ("Rasa: NLU parse (whole pipeline)", "rasa", ("parse_message (rasa/core/processor.py",)),
    ("Rasa: DIET (TensorFlow)", "rasa", ("diet_classifier.py", "tensorflow/")),
    ("Rasa: policies", "rasa", ("rasa/core/policies/",)),
    ("Rasa: validating action responses (jsonschema)", "rasa", ("_validate_action_result",)),
    ("Rasa: custom-action HTTP calls", "rasa", ("utils/endpoints.py",)),
    ("Rasa: new aiohttp sessions", "rasa", ("__init__ (aiohttp/client.py", "close (aiohttp/client.py")),
    ("Rasa: JSON of events", "rasa", ("json/encoder.py", "json/decoder.py", "deserialise_events")),
    ("app: the message pipeline (`/api/chat`)", "app", ("handle (app/pipeline.py",)),
    ("app: custom actions (`/rasa/webhook`)", "app", ("run_action (app/action_webhook.py",)),
    ("app: knowledge search", "app", ("knowledge/search.py",)),
    ("app: encoding (torch, sentence-transformers)", "app", ("torch/", "sentence_transformers/")),
    ("app: BM25 (knowledge/lexical.py)", "app", ("knowledge/lexical.py",)),
    ("app: calls to Rasa (httpx)", "app", ("httpx/", "httpcore/")),
    ("app: its own databases (SQLAlchemy)", "app", ("sqlalchemy/",)),
)
# A thread whose innermost frame is one of these waits (py-spy cannot always tell it is idle).
WAITING = (
    "wait (threading.py",
    "_worker (concurrent/futures/thread.py",
    "get (queue.py",
    "run (asyncio/runners.py",
    "select (selectors.py",
)


def py_spy() -> str | None:
    candidate = Path(sys.executable).with_name("py-spy")
    return str(candidate) if candidate.exists() else shutil.which("py-spy")


def start_profile(stack, seconds: float, folder: Path) -> list[tuple[str, subprocess.Popen, Path]]:
    """py-spy on the Rasa and the app process (children included) for ``seconds``."""
    binary = py_spy()
    if binary is None:
        raise SystemExit("--profile needs py-spy: .venv/bin/pip install py-spy (a dev extra)")
    runs = []
    folder.mkdir(parents=True, exist_ok=True)
    for name in ("rasa", "app"):
        output = folder / f"{name}.txt"
        command = [binary, "record", "--pid", str(stack.processes[name].pid), "--duration", str(int(seconds))]
        command += ["--rate", "50", "--subprocesses", "--format", "raw", "--output", str(output)]
        runs.append(
            (name, subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL), output)
        )
    return runs


def profile_lines(runs: list[tuple[str, subprocess.Popen, Path]]) -> list[str]:
    """The share of each process's busy samples per label, and the CPU ms per message it means."""
    samples: dict[str, list[tuple[str, int]]] = {}
    for name, process, output in runs:
        process.wait()
        stacks = []
        for line in (
            output.read_text(encoding="utf-8", errors="replace").splitlines() if output.exists() else []
        ):
            stack, _, count = line.rpartition(" ")
            if count.isdigit() and not any(wait in stack.rsplit(";", 1)[-1] for wait in WAITING):
                stacks.append((stack, int(count)))
        samples[name] = stacks
    lines = ["| Where | Share of the process's busy samples |", "| --- | --- |"]
    for name in ("rasa", "app"):
        total = sum(count for _, count in samples[name]) or 1
        lines.append(f"| **{name}: all busy samples** | {sum(c for _, c in samples[name])} samples |")
        for label, process, needles in PROFILE_LABELS:
            if process != name:
                continue
            hits = sum(count for stack, count in samples[name] if any(n in stack for n in needles))
            lines.append(f"| {label} | {100 * hits / total:.1f} % |")
    return lines
