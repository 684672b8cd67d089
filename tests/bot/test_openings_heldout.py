"""The held-out walkthrough openings of benchmarks/typed_replies.py are never trained on.

An opening is compared without tones, case or punctuation (``knowledge.text.fold`` + ``words``)
with every training string of bot/data/nlu: intent examples, and the procedure synonyms and
lookup that `make train` generates from the procedures' names and aliases (an opening that is
an alias is matched as a whole, so it is not held out either).
"""

from __future__ import annotations

from benchmarks.typed_replies import MIN_HELDOUT, TRAINING, heldout_openings, plain, trained_texts
from tests.bot.test_nlu_heldout import examples


def test_there_are_enough_heldout_openings_for_known_procedures():
    from knowledge.seed import load_seed

    path, rows = heldout_openings()
    assert len(rows) >= MIN_HELDOUT, f"{path} holds {len(rows)} openings"
    known = set(load_seed().procedures)
    unknown = [row for row in rows if row["slug"] not in known]
    assert not unknown, f"openings for procedures that do not exist: {unknown}"
    assert all(row["text"].strip() for row in rows)


def test_no_heldout_opening_is_a_training_string():
    path, rows = heldout_openings()
    trained = trained_texts()
    leaked = {row["text"]: trained[plain(row["text"])] for row in rows if plain(row["text"]) in trained}
    assert not leaked, f"held-out openings of {path.name} that are training strings: {leaked}"


def test_the_check_finds_a_training_example_typed_differently():
    """An intent example typed without tones, in capitals and with punctuation is still found."""
    trained = trained_texts()
    intent, text = examples(TRAINING / "start_guide.yml")[0]
    assert intent == "start_guide"
    from knowledge.text import fold

    assert plain(fold(text).upper() + " ?") in trained
    assert "start_guide.yml (intent: start_guide)" in trained.values()
    assert plain("một câu chưa ai từng viết: con mèo nộp hồ sơ giúp bà ngoại") not in trained
