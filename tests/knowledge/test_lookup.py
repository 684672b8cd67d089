"""The procedure lookup generated into the NLU data from the content."""

from __future__ import annotations

import shutil

import pytest
import yaml

from knowledge.lookup import build_lookup, render, write_lookup
from knowledge.models import Ask
from knowledge.seed import CONTENT, SeedInvalid, load_seed
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
    synonyms = {block["synonym"] for block in blocks[1:] if "synonym" in block}
    assert synonyms == set(seed.procedures)
    before = path.stat().st_mtime_ns
    write_lookup(seed, path)
    assert path.stat().st_mtime_ns == before
    assert path.read_text(encoding="utf-8") == render(build_lookup(seed))


def test_requests_bundles_and_issued_papers_are_rendered_as_lookup_tables(tmp_path):
    seed = load_seed()
    path = tmp_path / "procedures.yml"
    lookup = write_lookup(seed, path)
    blocks = yaml.safe_load(path.read_text(encoding="utf-8"))["nlu"]
    tables = {
        block["lookup"]: [line.removeprefix("- ") for line in block["examples"].splitlines()]
        for block in blocks
        if "lookup" in block
    }
    # Every request of the content, with its object when it has one.
    for slug, procedure in seed.procedures.items():
        for number, ask in enumerate(procedure.asks, start=1):
            name = f"procedure/ask/{slug}/{number}"
            assert tables[f"{name}/words"] == [w.lower() for w in ask.words]
            assert tables.get(f"{name}/about", []) == [a.lower() for a in ask.about]
            assert tables.get(f"{name}/unless", []) == [u.lower() for u in ask.unless]
        for number, part in enumerate(procedure.bundles, start=1):
            assert tables[f"procedure/part/{slug}/{number}"] == [p.lower() for p in part]
    assert set(tables["procedure/issues"]) == {p.lower() for s in seed.procedures.values() for p in s.issues}
    assert lookup.asks["cap-ban-sao-trich-luc-ho-tich"] and set(lookup.bundles) == {
        "lien-thong-khai-sinh",
        "lien-thong-khai-tu",
    }


def test_the_content_says_what_is_asked_for_beyond_the_names():
    """The requests of issue 10: copies, corrections, splitting a household, re-issue after a loss."""
    lookup = build_lookup(load_seed())

    def asked(slug: str) -> set[str]:
        return {normalize(w) for request in lookup.asks[slug] for w in request.words}

    assert {"trich luc", "cai chinh", "tach"} <= asked("cap-ban-sao-trich-luc-ho-tich") | asked(
        "thay-doi-cai-chinh-ho-tich"
    ) | asked("tach-ho")
    for slug in (
        "cap-the-can-cuoc",
        "cap-ho-chieu-pho-thong",
        "cap-doi-giay-phep-lai-xe",
        "cap-lai-the-bhyt",
    ):
        assert {"mat", "lam lai", "cap lai"} <= asked(slug)
    # "mất" also means "takes" (time, money): those phrases are declared where it is a request.
    for slug, requests in lookup.asks.items():
        for request in requests:
            if "mat" in {normalize(w) for w in request.words}:
                assert "mat may" in {normalize(u) for u in request.unless}, slug


def test_a_request_whose_object_matches_nothing_is_dropped_not_widened():
    seed = load_seed()
    slug = "tach-ho"
    procedure = seed.procedures[slug]
    seed.procedures[slug] = procedure.model_copy(
        update={"asks": [Ask(words=["tách"], about=["!!!"]), Ask(words=["tách hộ"])]}
    )
    [kept] = build_lookup(seed).asks[slug]
    assert kept.words == ["tách hộ"] and kept.about == []


def test_the_schema_refuses_a_bundle_of_one_part(tmp_path):
    content = tmp_path / "content"
    shutil.copytree(CONTENT, content)
    path = content / "procedures" / "lien-thong-khai-sinh.yml"
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    data["bundles"] = [["khai sinh"]]
    path.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    with pytest.raises(SeedInvalid) as raised:
        load_seed(content)
    assert any("lien-thong-khai-sinh.yml: bundles" in problem for problem in raised.value.problems)
