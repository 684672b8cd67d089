"""The procedure entity extractor through Rasa's component API (runs in .venv-rasa, Python 3.10)."""

from __future__ import annotations

import unicodedata

import pytest

rasa = pytest.importorskip("rasa", reason="runs in the Rasa environment (make test does that)")

from rasa.engine.graph import ExecutionContext, GraphSchema  # noqa: E402
from rasa.engine.storage.local_model_storage import LocalModelStorage  # noqa: E402
from rasa.engine.storage.resource import Resource  # noqa: E402
from rasa.shared.importers.rasa import RasaFileImporter  # noqa: E402
from rasa.shared.nlu.constants import ENTITIES  # noqa: E402
from rasa.shared.nlu.training_data.message import Message  # noqa: E402

from nlu.procedures import ProcedureEntityExtractor  # noqa: E402

LOOKUP = "bot/data/nlu/procedures.yml"


@pytest.fixture(scope="module")
def storage(tmp_path_factory):
    return LocalModelStorage(tmp_path_factory.mktemp("model"))


@pytest.fixture(scope="module")
def extractor(storage) -> ProcedureEntityExtractor:
    """Trained on the generated lookup exactly as `make train` does, then loaded back."""
    from pathlib import Path

    root = Path(__file__).resolve().parents[2]
    training = RasaFileImporter(training_data_paths=[str(root / LOOKUP)]).get_nlu_data()
    resource = Resource("procedures")
    context = ExecutionContext(GraphSchema({}), "test")
    trained = ProcedureEntityExtractor.create({}, storage, resource, context)
    trained.train(training)
    return ProcedureEntityExtractor.load({}, storage, resource, context)


def entities(extractor, text: str) -> list[tuple[str, str]]:
    [message] = extractor.process([Message.build(text=text)])
    return [(text[e["start"] : e["end"]], e["value"]) for e in message.get(ENTITIES, [])]


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
