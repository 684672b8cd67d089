"""Benchmark: does a walkthrough survive what citizens type at each of its questions?

A scripted citizen opens with free text, then answers every question of the guide in one of
three modes: pressing the offered button (its payload), typing the button's title in the
opening's style (as shown, without tones, in teencode), or typing what people write instead
(per stage a list of realistic replies, rotated deterministically so each one is used). The
button and typed citizens also ask for the documents once at the ready stage and go back once
at step 2. After each turn the stage is read from the tracker (``guide_stage``, ``guide_step``,
``procedure``; the comment form as ``active_loop``) and the reply is judged: the guide moved on
as expected, asked the same again, was reset (the procedure or the walkthrough lost) or went
elsewhere. A conversation succeeds when the rating is stored with the score chosen, for the
right procedure, and the comment is answered, without a reset, without a question shown a
third time in a row and within MAX_TURNS.

Openings: the generated ones of ``benchmarks.task_success`` (every procedure × three styles)
and, reported separately, a held-out file written outside the project, minus any line that is
also a training string (``tests/bot/test_openings_heldout.py`` fails on those).
"""

from __future__ import annotations

import argparse
import json
import os
import random
import re
import sqlite3
import sys
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

import httpx
import yaml

from actions.replies import STARTED_OVER
from benchmarks import running_stack, write_section
from benchmarks.task_success import STYLES, opening, teencode
from knowledge.seed import load_seed
from knowledge.text import fold, words

ROOT = Path(__file__).resolve().parent.parent
HELDOUT = ROOT / "tests" / "data" / "procedure_openings.jsonl"
OWN_HELDOUT = ROOT / "tests" / "data" / "guide_openings_heldout.jsonl"  # used if HELDOUT is too short
MIN_HELDOUT = 30
TRAINING = ROOT / "bot" / "data" / "nlu"
ANNOTATION = re.compile(r"\[([^\]]+)\](?:\([^)]*\)|\{[^}]*\})")
MODES = {"button": "Button pressed", "typed": "Title typed", "free": "Free text"}
SEED = 10
MAX_TURNS = 45
WORKERS = 3  # conversations at once: the stack is shared, the citizens wait on it
RESET = STARTED_OVER  # the reply once the walkthrough is dropped (not the offer to drop it)

# What people type instead of pressing, per stage (accented; folded or in teencode per style).
FREE: dict[str, list[str]] = {
    "confirm": ["đúng rồi", "ừ", "vâng đúng", "ok", "dạ"],
    "vneid": ["có rồi", "rồi", "có", "ok"],
    "address": [
        "số 5 đường Yersin, phường Phú Cường, thành phố Thủ Dầu Một, tỉnh Bình Dương",
        "tôi ở Thủ Dầu Một",
        "bỏ qua",
        "không biết",
        "ok",
        "tiếp theo",
    ],
    "ready": ["bắt đầu đi", "ok", "xong rồi", "rồi"],
    "steps": ["tiếp", "xong rồi", "rồi", "ok", "làm xong rồi"],
    "rating": ["rất hài lòng", "5", "tốt lắm", "hài lòng"],
    "comment": ["không có gì", "bỏ qua", "Hướng dẫn dễ hiểu, nhưng nên nói rõ hơn cách chụp ảnh giấy tờ"],
}
FREE_SCORES = {"rất hài lòng": 5, "5": 5, "hài lòng": 4}  # "tốt lắm" may be 4 or 5
REAL_COMMENT = FREE["comment"][2]
# The button pressed (or whose title is typed) at each stage, by payload.
WANTED = {
    "confirm": "/affirm",
    "vneid": "/affirm",
    "address": "/deny",
    "ready": "/guide_next",
    "documents": "/ask_documents",
    "steps": "/guide_next",
    "back": "/guide_back",
    "comment": "/deny",
}
# Where the guide should stand after a reply at these stages (the others are judged in `judge`).
NEXT = {
    "walkthrough": {"confirm", "vneid", "address", "ready"},  # the button under an answer
    "choose": {"confirm", "vneid", "address", "ready"},
    "confirm": {"vneid", "address", "ready"},
    "vneid": {"address", "ready"},
    "address": {"ready"},
}
OPENING = {"suggestion", "walkthrough", "choose"}  # choosing the procedure: it may change
STAGES = ("suggestion", "walkthrough", "choose", *FREE.keys(), "documents", "back")


def plain(text: str) -> str:
    """The form compared for leaks: no tones, lower case, words only."""
    return " ".join(words(fold(text)))


def trained_texts() -> dict[str, str]:
    """Every training string of bot/data/nlu (intent examples, synonyms, lookups) → where it is.

    An entity annotation (``[text](entity)``, ``[text]{...}``) counts as its text."""
    found: dict[str, str] = {}
    for path in sorted(TRAINING.glob("*.yml")):
        for block in yaml.safe_load(path.read_text(encoding="utf-8")).get("nlu", []):
            kind = next((k for k in ("intent", "synonym", "lookup", "regex") if k in block), None)
            for line in str(block.get("examples", "")).splitlines():
                if kind and line.strip().startswith("- "):
                    text = ANNOTATION.sub(r"\1", line.strip()[2:])
                    found.setdefault(plain(text), f"{path.name} ({kind}: {block[kind]})")
    return found


def heldout_openings() -> tuple[Path, list[dict]]:
    """The held-out openings (``{"text", "slug"}`` lines): the shared file, else this benchmark's own."""
    path = HELDOUT
    if not path.exists() or len(path.read_text(encoding="utf-8").splitlines()) < MIN_HELDOUT:
        path = OWN_HELDOUT
    lines = path.read_text(encoding="utf-8").splitlines() if path.exists() else []
    return path, [json.loads(line) for line in lines if line.strip()]


def styled(text: str, style: str) -> str:
    return text if style == "accented" else fold(text) if style == "unaccented" else teencode(text)


@dataclass(frozen=True)
class Where:
    stage: str | None  # guide_stage, or "comment" while the comment form asks
    step: int | None
    procedure: str | None
    rating_id: int | None


@dataclass
class Reply:
    stage: str
    variant: str  # the free-text reply or the button's title, before styling
    style: str
    result: str  # advanced, stayed, reset, other: … or wrong …


@dataclass
class Conversation:
    kind: str  # generated or heldout
    slug: str
    style: str
    mode: str
    first: str
    index: int  # place among the conversations of its kind, mode and style: rotates the replies
    success: bool = False
    turns: int = 0
    failure: str = ""
    replies: list[Reply] = field(default_factory=list)
    transcript: list[str] = field(default_factory=list)


class Citizen:
    def __init__(self, bench: Bench, talk: Conversation) -> None:
        self.bench, self.talk = bench, talk
        self.sender = bench.client.post("/api/session").json()["sender"]
        shift = random.Random(f"{SEED}:{talk.kind}:{talk.mode}:{talk.style}")  # noqa: S311 - not security
        self.turn_of = {stage: talk.index + shift.randrange(len(v)) for stage, v in FREE.items()}
        self.score = (talk.index + shift.randrange(5)) % 5 + 1
        self.detours: set[str] = set()

    def say(self, text: str) -> list[dict]:
        self.talk.turns += 1
        response = self.bench.client.post("/api/chat", json={"sender": self.sender, "text": text})
        response.raise_for_status()
        messages = response.json()["messages"]
        said = " / ".join(" ".join(m.get("text", "").split())[:90] for m in messages)
        titles = [b["title"] for m in messages for b in m.get("buttons", [])]
        self.talk.transcript.append(f"  > {text}\n    < {said} {titles}")
        return messages

    def where(self) -> Where:
        params = {"token": self.bench.token, "include_events": "NONE"}
        response = self.bench.rasa.get(f"/conversations/{self.sender}/tracker", params=params)
        response.raise_for_status()
        tracker = response.json()
        slots = tracker["slots"]
        comment = (tracker.get("active_loop") or {}).get("name") == "comment_form"
        step, rating = slots.get("guide_step"), slots.get("rating_id")
        return Where(
            "comment" if comment else slots.get("guide_stage") or None,
            int(step) if step else None,
            slots.get("procedure"),
            int(rating) if rating else None,
        )

    def run(self) -> Conversation:
        talk = self.talk
        messages, where, shows = self.say(talk.first), self.where(), 1
        while talk.turns < MAX_TURNS:
            chosen = self.reply(where, messages)
            if isinstance(chosen, str):
                return self.fail(chosen)
            stage, variant, text, score = chosen
            messages, before = self.say(text), where
            where = self.where()
            result = self.judge(stage, before, where, messages, variant, score)
            talk.replies.append(Reply(stage, variant, talk.style, result))
            if result == "reset" or result.startswith("wrong"):
                return self.fail(f"{result} at {stage} by “{text}”")
            if stage == "comment" and result == "advanced":
                talk.success = True
                return talk
            unchanged = (before.stage, before.step) == (where.stage, where.step) and stage != "documents"
            shows = shows + 1 if unchanged else 1
            if shows >= 3:
                return self.fail(f"asked a third time at {where.stage} by “{text}”")
        return self.fail("too many turns")

    def reply(self, where: Where, messages: list[dict]) -> tuple[str, str, str, int | None] | str:
        """(stage, variant, text to send, score it should store) or why the citizen cannot go on."""
        talk, stage = self.talk, where.stage
        offered = {b["payload"]: b["title"] for m in messages for b in m.get("buttons", [])}
        wanted = f'/start_guide{{"procedure": "{talk.slug}"}}'
        said = " / ".join(m.get("text", "")[:60] for m in messages)
        if stage in {"confirm", "rating"} and where.procedure != talk.slug:
            return f"wrong procedure: {where.procedure} at {stage}"
        named = next((p for p, title in offered.items() if title == self.bench.names[talk.slug]), None)
        if stage is None and wanted in offered and "walkthrough" not in self.detours:
            self.detours.add("walkthrough")  # answered as a question: the answer offers the guide
            stage = "walkthrough"
        elif stage is None and named and "suggestion" not in self.detours:
            self.detours.add("suggestion")  # unsure: the procedure is among the topics suggested
            return self.press("suggestion", named, offered)
        elif stage == "choose" and wanted not in offered:
            return f"not among the choices: {list(offered.values())}"
        elif stage is None:
            guides = [p.split('"')[3] for p in offered if p.startswith('/start_guide{"procedure"')]
            topics = [t for p, t in offered.items() if p != "/request_human"]
            if guides:
                return f"wrong procedure: {guides}"
            return f"not among the choices: {topics}" if topics else f"no guide: {said}"
        elif stage not in {*FREE, "choose"}:
            return f"unexpected stage {stage}: {said}"
        if stage in {"walkthrough", "choose"}:
            return self.press(stage, wanted, offered)
        for detour, at in (("documents", stage == "ready"), ("back", stage == "steps" and where.step == 2)):
            if talk.mode != "free" and at and detour not in self.detours:
                self.detours.add(detour)
                return self.press(detour, WANTED[detour], offered)
        if talk.mode == "free":
            variant = FREE[stage][self.turn_of[stage] % len(FREE[stage])]
            self.turn_of[stage] += 1
            score = FREE_SCORES.get(variant) if stage == "rating" else None
            return stage, variant, styled(variant, talk.style), score
        if stage == "rating":
            return self.press(stage, f'/rate{{"rating": {self.score}}}', offered, self.score)
        return self.press(stage, WANTED[stage], offered)

    def press(self, stage: str, payload: str, offered: dict[str, str], score: int | None = None):
        """The button's payload, or its title typed (also by the free-text citizen choosing a procedure)."""
        if payload not in offered:
            return f"no button {payload} at {stage}: {list(offered.values())}"
        title = offered[payload]
        return stage, title, payload if self.talk.mode == "button" else styled(title, self.talk.style), score

    def judge(self, stage: str, before: Where, after: Where, messages: list[dict], variant: str, score):
        said = " ".join(m.get("text", "") for m in messages)
        lost = before.procedure and after.procedure is None and stage not in OPENING
        if lost or RESET in said or (before.stage and after.stage is None and stage != "comment"):
            return "reset"
        if before.procedure and after.procedure != before.procedure and stage not in OPENING | NEXT.keys():
            return f"other: procedure {after.procedure}"
        if stage == "suggestion":
            moved = f'/start_guide{{"procedure": "{self.talk.slug}"}}' in str(messages)
        elif stage in NEXT:
            moved = after.stage in NEXT[stage]
        elif stage in {"ready", "steps", "back"}:
            step = {"ready": 1, "steps": (before.step or 0) + 1, "back": (before.step or 0) - 1}[stage]
            moved = (after.stage, after.step) == ("steps", step) or (
                stage == "steps" and after.stage == "rating"
            )
        elif stage == "documents":
            moved = after.stage == "ready" and "Giấy tờ" in said
        elif stage == "rating":
            moved = after.stage == "comment"
            stored = self.bench.rating(after.rating_id) if moved else None
            if moved and score is not None and (stored or (None,))[0] != score:
                return f"wrong score: stored {stored and stored[0]}, chosen {score}"
        else:  # comment
            moved = after.stage is None
            if moved and variant == REAL_COMMENT and not (self.bench.rating(before.rating_id) or ("", ""))[1]:
                return "wrong: the comment was not stored"
        if moved:
            return "advanced"
        return (
            "stayed" if (after.stage, after.step) == (before.stage, before.step) else f"other: {after.stage}"
        )

    def fail(self, why: str) -> Conversation:
        self.talk.failure = why
        return self.talk


class Bench:
    def __init__(self, client: httpx.Client, rasa: httpx.Client, token: str, app_db: str) -> None:
        self.client, self.rasa, self.token = client, rasa, token
        self.names = {slug: procedure.name for slug, procedure in load_seed().procedures.items()}
        self.app_db = app_db.removeprefix("sqlite:///")  # the throw-away stack's SQLite file

    def rating(self, rating_id: int | None) -> tuple[int, str | None] | None:
        """(score, comment) of a stored rating, read from the app database."""
        if rating_id is None:
            return None
        with sqlite3.connect(self.app_db) as db:
            return db.execute("SELECT score, comment FROM ratings WHERE id = ?", (rating_id,)).fetchone()

    def run(self, talk: Conversation) -> Conversation:
        done = Citizen(self, talk).run()
        line = f"{'ok  ' if done.success else 'FAIL'} {done.kind:9} {done.mode:6} {done.style:10} "
        line += f"{done.slug:38} {done.turns:2} {done.failure}"
        if not done.success:
            line += f"\n    opening: “{done.first}”\n" + "\n".join(done.transcript[-4:])
        print(line, flush=True)
        return done


def conversations(sample: int | None) -> tuple[list[Conversation], list[str]]:
    """Every mode × style × procedure (generated openings), then every mode × held-out opening."""
    procedures = load_seed().procedures
    rng = random.Random(SEED)  # noqa: S311 - a sample, not security
    slugs = sorted(rng.sample(sorted(procedures), sample)) if sample else sorted(procedures)
    talks = [
        Conversation(
            "generated", slug, style, mode, opening(procedures[slug].name, procedures[slug].aliases, style), i
        )
        for mode in MODES
        for style in STYLES
        for i, slug in enumerate(slugs)
    ]
    trained = trained_texts()
    rows = heldout_openings()[1]
    kept = [row for row in rows if plain(row["text"]) not in trained]
    kept = rng.sample(kept, min(sample, len(kept))) if sample else kept
    for mode in MODES:
        for i, row in enumerate(kept):
            style = "unaccented" if fold(row["text"]) == row["text"].lower() else "accented"
            talks.append(Conversation("heldout", row["slug"], style, mode, row["text"], i))
    return talks, [row["text"] for row in rows if plain(row["text"]) in trained]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sample", type=int, help="only this many procedures and held-out openings")
    parser.add_argument("--dry-run", action="store_true", help="print the report, leave BENCHMARKS.md alone")
    args = parser.parse_args()
    from benchmarks.typed_replies_report import report  # it reads this module's stages and replies

    talks, leaked = conversations(args.sample)
    with running_stack() as stack:
        settings = stack.settings
        started, load = time.perf_counter(), os.getloadavg()[0]
        with (
            httpx.Client(base_url=f"http://127.0.0.1:{settings.app_port}", timeout=60) as client,
            httpx.Client(base_url=settings.rasa_url, timeout=60) as rasa,
            ThreadPoolExecutor(WORKERS) as pool,
        ):
            bench = Bench(client, rasa, settings.rasa_auth_token, settings.app_db)
            done = list(pool.map(bench.run, talks))
        elapsed = time.perf_counter() - started
    body = report(done, leaked, f"{elapsed:.0f} s (load average {load:.1f} at the start)", args.sample)
    if args.dry_run:
        print(body)
    else:
        command = "make bench (benchmarks/typed_replies.py)"
        write_section("typed-replies", "Typed replies: every stage × reply mode × style", command, body)
    return 0


if __name__ == "__main__":
    sys.exit(main())
