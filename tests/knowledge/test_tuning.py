from __future__ import annotations

from knowledge.store import Entry
from knowledge.text import normalize
from knowledge.tuning import training_pairs

ENTRY = Entry(
    id="dang-ky-tam-tru/noi-nop", slug="dang-ky-tam-tru", kind="faq", question="Đăng ký tạm trú ở đâu?",
    phrasings=("dk tam tru o dau", "làm tạm trú chỗ nào"), answer="Tại Công an xã, phường.",
    source="https://dichvucong.gov.vn",
)  # fmt: skip


def test_pairs_come_from_the_entry_itself_in_the_form_the_embedder_sees():
    pairs = training_pairs([ENTRY], seed=1)
    forms = {normalize(t) for t in ENTRY.texts()}
    assert len(pairs) == len(ENTRY.texts()) + 1  # each text with another one, and question with answer
    assert all(a in forms for a, _ in pairs)
    assert (normalize(ENTRY.question), normalize(ENTRY.answer)) in pairs


def test_toned_models_also_learn_the_unaccented_spelling():
    pairs = training_pairs([ENTRY], seed=1, fold=False)
    assert ("Đăng ký tạm trú ở đâu?", normalize("Đăng ký tạm trú ở đâu?")) in pairs


def test_pairs_are_reproducible():
    assert training_pairs([ENTRY], seed=7) == training_pairs([ENTRY], seed=7)
