"""The Vietnamese tokenizer through Rasa's component API (runs in .venv-rasa, Python 3.10)."""

from __future__ import annotations

import unicodedata

import pytest

rasa = pytest.importorskip("rasa", reason="runs in the Rasa environment (make test does that)")

from rasa.engine.graph import ExecutionContext, GraphSchema  # noqa: E402
from rasa.engine.recipes.default_recipe import DefaultV1Recipe  # noqa: E402
from rasa.engine.storage.local_model_storage import LocalModelStorage  # noqa: E402
from rasa.engine.storage.resource import Resource  # noqa: E402
from rasa.nlu.constants import TOKENS_NAMES  # noqa: E402
from rasa.shared.nlu.constants import INTENT, TEXT  # noqa: E402
from rasa.shared.nlu.training_data.message import Message  # noqa: E402
from rasa.shared.nlu.training_data.training_data import TrainingData  # noqa: E402

from nlu.vietnamese import VietnameseTokenizer  # noqa: E402


@pytest.fixture
def tokenizer(tmp_path) -> VietnameseTokenizer:
    return VietnameseTokenizer.create(
        {**VietnameseTokenizer.get_default_config()},
        LocalModelStorage(tmp_path),
        Resource("vietnamese_tokenizer"),
        ExecutionContext(GraphSchema({}), "test"),
    )


def token_texts(tokenizer: VietnameseTokenizer, text: str) -> list[str]:
    [message] = tokenizer.process([Message.build(text=text)])
    return [token.text for token in message.get(TOKENS_NAMES[TEXT])]


def test_registered_with_the_default_recipe():
    registered = DefaultV1Recipe._from_registry("nlu.vietnamese.VietnameseTokenizer")
    assert registered.clazz is VietnameseTokenizer
    assert DefaultV1Recipe.ComponentType.MESSAGE_TOKENIZER in registered.types
    assert not registered.is_trainable


@pytest.mark.parametrize(
    "variant",
    [
        "Đăng ký khai sinh cho con",
        "dang ky khai sinh cho con",
        "ĐĂNG KÝ KHAI SINH CHO CON",
        unicodedata.normalize("NFD", "Đăng ký khai sinh cho con"),
        "đk ks cho con",
        "dk KS cho con!!!",
    ],
)
def test_spellings_of_one_message_give_the_same_tokens(tokenizer, variant):
    assert token_texts(tokenizer, variant) == ["dang", "ky", "khai", "sinh", "cho", "con"]


def test_teencode_is_understood(tokenizer):
    assert token_texts(tokenizer, "ko bik lam ntn, j cung dc") == [
        "khong",
        "biet",
        "lam",
        "nhu",
        "the",
        "nao",
        "gi",
        "cung",
        "duoc",
    ]


def test_spans_point_into_the_text_as_typed(tokenizer):
    text = "Làm CCCD ở đâu"
    [message] = tokenizer.process([Message.build(text=text)])
    tokens = message.get(TOKENS_NAMES[TEXT])
    assert message.get(TEXT) == text, "the message text itself is left as typed"
    expanded = [t for t in tokens if t.start == 4]
    assert [t.text for t in expanded] == ["can", "cuoc", "cong", "dan"]
    assert {text[t.start : t.end] for t in expanded} == {"CCCD"}


def test_punctuation_only_message_still_has_a_token(tokenizer):
    assert token_texts(tokenizer, "???") == ["???"]


def test_training_data_is_tokenized_and_intents_left_alone(tokenizer):
    data = TrainingData([Message.build(text="Cám ơn ad nhiều", intent="thank")])
    [example] = tokenizer.process_training_data(data).training_examples
    assert [t.text for t in example.get(TOKENS_NAMES[TEXT])] == ["cam", "on", "quan", "tri", "vien", "nhieu"]
    assert [t.text for t in example.get(TOKENS_NAMES[INTENT])] == ["thank"]
