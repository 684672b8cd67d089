"""The procedure lookup generated into the NLU data from the content."""

from __future__ import annotations

import yaml

from knowledge.lookup import build_lookup, render, write_lookup
from knowledge.seed import load_seed
from knowledge.text import normalize


def test_every_procedure_is_named_by_its_name_and_aliases():
    seed = load_seed()
    lookup = build_lookup(seed)
    assert set(lookup.phrases) == set(seed.procedures)
    for slug, procedure in seed.procedures.items():
        assert procedure.name.lower() in lookup.phrases[slug]


def test_a_phrase_shared_by_two_procedures_is_left_out():
    seed = load_seed()
    first, second = sorted(seed.procedures)[:2]
    shared = "thủ tục dùng chung"
    seed.procedures[first] = seed.procedures[first].model_copy(
        update={"aliases": [*seed.procedures[first].aliases, shared]}
    )
    seed.procedures[second] = seed.procedures[second].model_copy(
        update={"aliases": [*seed.procedures[second].aliases, shared.upper()]}
    )
    lookup = build_lookup(seed)
    assert lookup.ambiguous[normalize(shared)] == sorted([first, second])
    assert all(shared not in phrases for phrases in lookup.phrases.values())


def test_rendered_file_is_rasa_nlu_data_and_written_only_when_changed(tmp_path):
    seed = load_seed()
    path = tmp_path / "procedures.yml"
    write_lookup(seed, path)
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    blocks = data["nlu"]
    assert blocks[0]["lookup"] == "procedure"
    synonyms = {block["synonym"] for block in blocks[1:]}
    assert synonyms == set(seed.procedures)
    before = path.stat().st_mtime_ns
    write_lookup(seed, path)
    assert path.stat().st_mtime_ns == before
    assert path.read_text(encoding="utf-8") == render(build_lookup(seed))
