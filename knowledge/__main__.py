"""Command line of the knowledge base.

python -m knowledge index            import the seed, tune the model if needed, build the
                                     index, fit fusion weight and threshold on the dev set
python -m knowledge search "<text>"  what /api/search answers, for a person at a terminal
python -m knowledge eval FILE        R@1, R@3, MRR@10, answered_correct, false_answer_rate
python -m knowledge review           content whose review or validity date is due
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
    from knowledge.calibration import fit
    from knowledge.service import ensure_tuned_model, open_service

    started = time.perf_counter()
    if settings.embedding_model == "tuned":
        ensure_tuned_model(settings)
    service, rebuilt = open_service(settings)
    report = {"entries": len(service.store.entries()), "rebuilt": rebuilt, "manifest": service.manifest()}
    if settings.search_dev_set.exists():
        result = fit(service, read_cases(settings.search_dev_set))
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
    from knowledge.review import due

    items = due(date.today() + timedelta(days=args.days), review_interval=timedelta(days=args.interval))
    for item in items:
        print(f"{item.when.isoformat()}  {item.reason:<22} {item.where}")
    print(f"{len(items)} item(s) due on or before {date.today() + timedelta(days=args.days)}")
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
    review = commands.add_parser("review", help="content whose review date or validity is due")
    review.add_argument("--days", type=int, default=30, help="look this many days ahead (default 30)")
    review.add_argument("--interval", type=int, default=180, help="days between reviews (default 180)")
    lookup = commands.add_parser("lookup", help="write the procedure lookup of the NLU data")
    lookup.add_argument("file")
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(levelname)s %(name)s: %(message)s")
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
