"""The procedure entity extractor through Rasa's component API (runs in .venv-rasa, Python 3.10).

It is trained on the lookup `make train` generates from the knowledge content, so these tests
also check that the content's names, requests (``asks``) and bundles say what they should.
"""

from __future__ import annotations

import json
import unicodedata
from pathlib import Path

import pytest

rasa = pytest.importorskip("rasa", reason="runs in the Rasa environment (make test does that)")

from rasa.engine.graph import ExecutionContext, GraphSchema  # noqa: E402
from rasa.engine.storage.local_model_storage import LocalModelStorage  # noqa: E402
from rasa.engine.storage.resource import Resource  # noqa: E402
from rasa.shared.importers.rasa import RasaFileImporter  # noqa: E402
from rasa.shared.nlu.constants import ENTITIES  # noqa: E402
from rasa.shared.nlu.training_data.message import Message  # noqa: E402

from nlu.procedures import PHRASES_FILE, ProcedureEntityExtractor  # noqa: E402

ROOT = Path(__file__).resolve().parents[2]
LOOKUP = ROOT / "bot/data/nlu/procedures.yml"
CONTEXT = ExecutionContext(GraphSchema({}), "test")


@pytest.fixture(scope="module")
def storage(tmp_path_factory):
    return LocalModelStorage(tmp_path_factory.mktemp("model"))


@pytest.fixture(scope="module")
def training():
    return RasaFileImporter(training_data_paths=[str(LOOKUP)]).get_nlu_data()


@pytest.fixture(scope="module")
def extractor(storage, training) -> ProcedureEntityExtractor:
    """Trained on the generated lookup exactly as `make train` does, then loaded back."""
    resource = Resource("procedures")
    trained = ProcedureEntityExtractor.create({}, storage, resource, CONTEXT)
    trained.train(training)
    return ProcedureEntityExtractor.load({}, storage, resource, CONTEXT)


def entities(extractor, text: str) -> list[tuple[str, str]]:
    [message] = extractor.process([Message.build(text=text)])
    return [(text[e["start"] : e["end"]], e["value"]) for e in message.get(ENTITIES, [])]


def slugs(extractor, text: str) -> list[str]:
    return [slug for _, slug in entities(extractor, text)]


@pytest.mark.parametrize(
    "text",
    [
        "tôi muốn đăng ký khai sinh cho con",
        "toi muon dang ky khai sinh cho con",
        "mk mun dk khai sinh cho con",
        unicodedata.normalize("NFD", "tôi muốn đăng ký khai sinh cho con"),
    ],
)
def test_the_slug_whatever_the_spelling(extractor, text):
    [(_, slug)] = entities(extractor, text)
    assert slug == "dang-ky-khai-sinh"


def test_the_span_points_into_the_text_as_typed(extractor):
    assert entities(extractor, "Làm hộ chiếu mất mấy ngày?") == [("Làm hộ chiếu", "cap-ho-chieu-pho-thong")]


def test_the_longest_phrase_wins(extractor):
    [(span, slug)] = entities(extractor, "3 thủ tục liên thông cho trẻ dưới 6 tuổi làm thế nào")
    assert slug == "lien-thong-khai-sinh" and span.startswith("3 thủ tục")


def test_nothing_named_nothing_found(extractor):
    assert entities(extractor, "xin chào, thời tiết hôm nay thế nào") == []
    assert entities(extractor, "") == []


# --- what is asked for outweighs a procedure merely named ---------------------------------------
@pytest.mark.parametrize(
    ("text", "slug"),
    [
        # The walkthrough openings of issue 10.
        ("mất bản giấy khai sinh, muốn xin bản sao trích lục", "cap-ban-sao-trich-luc-ho-tich"),
        ("tách hộ khẩu riêng khỏi bố mẹ", "tach-ho"),
        ("mất thẻ căn cước, làm lại qua mạng", "cap-the-can-cuoc"),
        ("làm một lần cả khai sinh, nhập hộ khẩu và thẻ BHYT", "lien-thong-khai-sinh"),
        # A request and what it acts on, in either order, toned or not.
        ("mat giay khai sinh roi", "cap-ban-sao-trich-luc-ho-tich"),
        ("sua ngay sinh trong giay khai sinh", "thay-doi-cai-chinh-ho-tich"),
        ("đăng ký kết hôn ghi nhầm quê quán, muốn cải chính", "thay-doi-cai-chinh-ho-tich"),
        ("chứng thực giấy khai sinh", "chung-thuc-ban-sao"),
        ("hợp đồng đã công chứng, giờ sang tên sổ đỏ cho con", "dang-ky-bien-dong-dat-dai"),
        # Two parts of a liên thông procedure named together.
        ("đăng ký khai sinh và bảo hiểm y tế cho bé", "lien-thong-khai-sinh"),
        ("bố tôi mất, làm khai tử và xóa hộ khẩu", "lien-thong-khai-tu"),
    ],
)
def test_the_procedure_asked_for_comes_first(extractor, text, slug):
    assert slugs(extractor, text)[0] == slug


def test_a_document_used_by_the_request_is_absorbed_into_it(extractor):
    assert slugs(extractor, "mất bản giấy khai sinh, muốn xin bản sao trích lục") == [
        "cap-ban-sao-trich-luc-ho-tich"
    ]
    assert slugs(extractor, "làm một lần cả khai sinh, nhập hộ khẩu và thẻ BHYT") == ["lien-thong-khai-sinh"]


def test_several_procedures_named_keep_the_order_they_were_typed_in(extractor):
    assert slugs(extractor, "đăng ký kết hôn và làm hộ chiếu") == [
        "dang-ky-ket-hon",
        "cap-ho-chieu-pho-thong",
    ]
    # A procedure asked for by name before a question about a document it needs.
    assert slugs(extractor, "làm hộ chiếu có cần bản sao giấy khai sinh không")[0] == "cap-ho-chieu-pho-thong"


def test_a_document_merely_mentioned_comes_after_the_procedure_named(extractor):
    # "giấy khai sinh" and "hộ chiếu" are what requests act on: documents, not requests.
    assert slugs(extractor, "mang giấy khai sinh đi nhập hộ khẩu cho con") == [
        "dang-ky-thuong-tru",
        "dang-ky-khai-sinh",
    ]
    assert slugs(extractor, "có hộ chiếu rồi, giờ xin lý lịch tư pháp")[0] == "cap-phieu-ly-lich-tu-phap"


def test_request_words_inside_a_longer_name_belong_to_that_name(extractor):
    # "trích lục" asks for a copy, but "trích lục khai tử" is a name of the death registration.
    assert slugs(extractor, "trích lục khai tử cho bố") == ["dang-ky-khai-tu"]


def test_a_request_typed_with_tones_must_carry_its_own(extractor):
    # "mặt" (tiền mặt: cash) is not "mất" (lost), though both fold to "mat".
    assert slugs(extractor, "nộp lệ phí bằng tiền mặt khi làm giấy khai sinh") == ["dang-ky-khai-sinh"]
    assert slugs(extractor, "mặt sau giấy khai sinh bị nhòe") == ["dang-ky-khai-sinh"]
    assert slugs(extractor, "mất giấy khai sinh") == ["cap-ban-sao-trich-luc-ho-tich"]
    # Where the tone mark sits on the vowel does not matter ("xoá" and "xóa").
    assert (
        slugs(extractor, "xoá hộ khẩu cho bà")
        == slugs(extractor, "xóa hộ khẩu cho bà")
        == ["xoa-dang-ky-thuong-tru"]
    )


def test_one_part_of_a_bundle_is_not_the_bundle(extractor):
    assert slugs(extractor, "xóa đăng ký thường trú cho người đã mất") == ["xoa-dang-ky-thuong-tru"]
    assert slugs(extractor, "đăng ký khai sinh cho con") == ["dang-ky-khai-sinh"]


def test_every_request_and_bundle_of_the_lookup_is_in_the_model(storage, training, extractor):
    tables = [table["name"] for table in training.lookup_tables]
    with storage.read_from(Resource("procedures")) as directory:
        stored = json.loads((directory / PHRASES_FILE).read_text(encoding="utf-8"))
    asks = [name for name in tables if name.startswith("procedure/ask/") and name.endswith("/words")]
    parts = [name for name in tables if name.startswith("procedure/part/")]
    assert asks and parts
    assert len(stored["requests"]) == len(asks)
    assert sum(len(bundle) for bundle in stored["bundles"].values()) == len(parts)


def test_a_model_trained_before_requests_still_finds_names(tmp_path):
    storage = LocalModelStorage(tmp_path)
    resource = Resource("old")
    with storage.write_to(resource) as directory:
        rows = [[["ho", "chieu"], "cap-ho-chieu-pho-thong"]]
        (directory / PHRASES_FILE).write_text(json.dumps(rows), encoding="utf-8")
    old = ProcedureEntityExtractor.load({}, storage, resource, CONTEXT)
    assert slugs(old, "mất hộ chiếu") == ["cap-ho-chieu-pho-thong"]
