"""Command line of the knowledge base.

python -m knowledge index            import the seed, tune the model if needed, build the
                                     index, fit fusion weight and answer model on the dev and
                                     calibration sets
python -m knowledge search "<text>"  what /api/search answers, for a person at a terminal
python -m knowledge eval FILE        R@1, R@3, MRR@10, answered_correct, false_answer_rate
python -m knowledge review           content in the store whose review or validity date is due
python -m knowledge lookup FILE      write the procedure lookup of the NLU data (make train)
"""

from __future__ import annotations

import argparse
import json
import logging
import sys
import time
from datetime import date, timedelta
from pathlib import Path

from knowledge.evaluation import Outcome, read_cases, score
from knowledge.settings import KnowledgeSettings


def _print(data: object) -> None:
    print(json.dumps(data, ensure_ascii=False, indent=2))


def cmd_index(settings: KnowledgeSettings, args: argparse.Namespace) -> int:
    from knowledge.calibration import fit, fitting_sets
    from knowledge.service import ensure_tuned_model, open_service

    started = time.perf_counter()
    if settings.embedding_model == "tuned":
        ensure_tuned_model(settings)
    service, rebuilt = open_service(settings)
    report = {"entries": len(service.store.entries()), "rebuilt": rebuilt, "manifest": service.manifest()}
    dev, calibration = fitting_sets(settings)
    if dev:
        result = fit(service, dev + calibration)
        result.calibration.save(settings.index_dir / "calibration.json")
        report["calibration"] = result.calibration.__dict__
        report["dev_set"] = result.metrics
    report["seconds"] = round(time.perf_counter() - started, 1)
    _print(report)
    return 0


def cmd_search(settings: KnowledgeSettings, args: argparse.Namespace) -> int:
    from knowledge.service import open_service

    service, _ = open_service(settings)
    _print(service.search(args.text, k=args.k).as_dict())
    return 0


def cmd_eval(settings: KnowledgeSettings, args: argparse.Namespace) -> int:
    from knowledge.service import open_service

    cases = read_cases(Path(args.file))
    service, _ = open_service(settings)

    def run(query: str) -> Outcome:
        result = service.search(query, k=10)
        return Outcome(
            slugs=[hit.slug for hit in result.hits], answered=result.answer.slug if result.answer else None
        )

    _print(score(cases, run))
    return 0


def cmd_review(settings: KnowledgeSettings, args: argparse.Namespace) -> int:
    """What the store (staff edits included) has due for review within --days."""
    from knowledge.review import due_items
    from knowledge.store import Store

    today = date.fromisoformat(args.today) if args.today else date.today()
    interval = args.interval or settings.review_interval_days
    store = Store(settings.knowledge_url)
    try:
        if not store.topic_records():
            print("The knowledge store is empty: run `make index` (or `python -m knowledge index`) first.")
            return 1
        items = due_items(store, today, interval, args.days)
    finally:
        store.close()
    for item in items:
        where = f"{item.kind} {item.id}" + (f" {item.field}" if item.field else "")
        detail = (item.text or item.title)[:70]
        print(f"{item.due.isoformat()}  {item.reason:<16} {where}: {detail}")
    horizon = today + timedelta(days=args.days)
    print(f"{len(items)} item(s) due on or before {horizon.isoformat()} (a review every {interval} days)")
    return 0


def cmd_lookup(settings: KnowledgeSettings, args: argparse.Namespace) -> int:
    from knowledge.lookup import write_lookup
    from knowledge.seed import load_seed

    lookup = write_lookup(load_seed(), Path(args.file))
    phrases = sum(len(items) for items in lookup.phrases.values())
    print(f"{args.file}: {phrases} phrases for {len(lookup.phrases)} procedures")
    for key, slugs in sorted(lookup.ambiguous.items()):
        print(f"  left out '{key}': shared by {', '.join(slugs)}")
    return 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m knowledge", description=__doc__.split("\n\n")[0])
    commands = parser.add_subparsers(dest="command", required=True)
    commands.add_parser("index", help="import the seed, tune, build the index and calibrate it")
    search = commands.add_parser("search", help="search like /api/search")
    search.add_argument("text")
    search.add_argument("-k", type=int, default=5)
    evaluate = commands.add_parser("eval", help="metrics on a JSON-lines file of {query, expected}")
    evaluate.add_argument("file")
    review = commands.add_parser("review", help="content in the store whose review or validity date is due")
    review.add_argument("--days", type=int, default=30, help="look this many days ahead (default 30)")
    review.add_argument(
        "--interval", type=int, help="days between reviews (default: REVIEW_INTERVAL_DAYS, 180)"
    )
    review.add_argument("--today", help="the day to count from, YYYY-MM-DD (default: today)")
    lookup = commands.add_parser("lookup", help="write the procedure lookup of the NLU data")
    lookup.add_argument("file")
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(levelname)s %(name)s: %(message)s")
    logging.getLogger("alembic").setLevel(logging.WARNING)  # schema upgrades log their backup themselves
    settings = KnowledgeSettings()
    handlers = {
        "index": cmd_index,
        "search": cmd_search,
        "eval": cmd_eval,
        "review": cmd_review,
        "lookup": cmd_lookup,
    }
    return handlers[args.command](settings, args)


if __name__ == "__main__":
    sys.exit(main())
