"""The Vietnamese tokenizer through Rasa's component API (runs in .venv-rasa, Python 3.10)."""

from __future__ import annotations

import unicodedata
from pathlib import Path

import pytest

rasa = pytest.importorskip("rasa", reason="runs in the Rasa environment (make test does that)")

from rasa.engine.graph import ExecutionContext, GraphSchema  # noqa: E402
from rasa.engine.recipes.default_recipe import DefaultV1Recipe  # noqa: E402
from rasa.engine.storage.local_model_storage import LocalModelStorage  # noqa: E402
from rasa.engine.storage.resource import Resource  # noqa: E402
from rasa.nlu.classifiers.diet_classifier import DIETClassifier  # noqa: E402
from rasa.nlu.constants import TOKENS_NAMES  # noqa: E402
from rasa.nlu.featurizers.sparse_featurizer.count_vectors_featurizer import (  # noqa: E402
    CountVectorsFeaturizer,
)
from rasa.nlu.utils.bilou_utils import bilou_tags_from_offsets  # noqa: E402
from rasa.shared.nlu.constants import ENTITIES, INTENT, TEXT  # noqa: E402
from rasa.shared.nlu.training_data.message import Message  # noqa: E402
from rasa.shared.nlu.training_data.training_data import TrainingData  # noqa: E402

from knowledge.text import fold  # noqa: E402
from nlu.vietnamese import VietnameseTokenizer, toned_twin, untoned_copies  # noqa: E402


def create(component, storage: LocalModelStorage, name: str, **config):
    return component.create(
        {**component.get_default_config(), **config},
        storage,
        Resource(name),
        ExecutionContext(GraphSchema({}), "test"),
    )


@pytest.fixture
def tokenizer(tmp_path) -> VietnameseTokenizer:
    return create(VietnameseTokenizer, LocalModelStorage(tmp_path), "vietnamese_tokenizer")


def tokens_of(tokenizer: VietnameseTokenizer, text: str):
    [message] = tokenizer.process([Message.build(text=text)])
    return message.get(TOKENS_NAMES[TEXT])


def token_texts(tokenizer: VietnameseTokenizer, text: str) -> list[str]:
    return [token.text for token in tokens_of(tokenizer, text)]


def folded_texts(tokenizer: VietnameseTokenizer, text: str) -> list[str]:
    """The folded tokens only (a toned twin always differs from its own folding)."""
    return [token for token in token_texts(tokenizer, text) if fold(token) == token]


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
def test_spellings_of_one_message_give_the_same_folded_tokens(tokenizer, variant):
    assert folded_texts(tokenizer, variant) == ["dang", "ky", "khai", "sinh", "cho", "con"]


def test_unaccented_input_gives_only_folded_tokens(tokenizer):
    assert token_texts(tokenizer, "dang ky khai sinh cho con") == ["dang", "ky", "khai", "sinh", "cho", "con"]
    assert token_texts(tokenizer, "dung") == ["dung"]


@pytest.mark.parametrize(
    ("typed", "twin"),
    [("Đúng", "đúng"), ("dừng", "dừng"), ("ĐÚNG", "đúng"), ("đúnggg", "đúng"), ("ừ", "ừ"), ("đi", "đi")],
)
def test_a_toned_word_gets_its_toned_twin_before_the_folded_token(tokenizer, typed, twin):
    assert token_texts(tokenizer, typed) == [twin, fold(twin)]


def test_yes_and_stop_differ_only_when_tones_are_typed(tokenizer):
    yes, stop = token_texts(tokenizer, "Đúng"), token_texts(tokenizer, "dừng")
    assert yes != stop and yes[-1] == stop[-1] == "dung"
    assert token_texts(tokenizer, "dạ") != token_texts(tokenizer, "đã")


def test_nfd_input_gives_the_nfc_twin(tokenizer):
    text = unicodedata.normalize("NFD", "Đúng rồi")
    assert token_texts(tokenizer, text) == ["đúng", "dung", "rồi", "roi"]
    assert all(unicodedata.is_normalized("NFC", token) for token in token_texts(tokenizer, text))


def test_twin_and_folded_token_share_the_span_of_the_word_as_typed(tokenizer):
    text = "Tôi ở Thủ Dầu Một"
    tokens = tokens_of(tokenizer, text)
    assert [(t.text, text[t.start : t.end]) for t in tokens[-2:]] == [("một", "Một"), ("mot", "Một")]
    spans = [(t.start, t.end) for t in tokens]
    assert spans == [span for span in spans[::2] for _ in range(2)], "each word: twin, then folded token"


def test_expanded_or_respelled_words_get_no_twin(tokenizer):
    # "đk" becomes two words sharing one span, "fải" is respelled "phai", "đc" expanded "duoc":
    # none of them is one word with its tones removed.
    assert token_texts(tokenizer, "đk") == ["dang", "ky"]
    assert token_texts(tokenizer, "fải") == ["phai"]
    assert token_texts(tokenizer, "đc") == ["duoc"]
    assert toned_twin("fải", "phai") is None
    assert toned_twin("đúng", "dung") == "đúng"
    assert toned_twin("dung", "dung") is None


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
    tokens = tokens_of(tokenizer, text)
    [message] = tokenizer.process([Message.build(text=text)])
    assert message.get(TEXT) == text, "the message text itself is left as typed"
    expanded = [t for t in tokens if t.start == 4]
    assert [t.text for t in expanded] == ["can", "cuoc", "cong", "dan"]
    assert {text[t.start : t.end] for t in expanded} == {"CCCD"}


def test_punctuation_only_message_still_has_a_token(tokenizer):
    assert token_texts(tokenizer, "???") == ["???"]


def test_a_button_payload_is_tokenized_without_twins(tokenizer):
    assert token_texts(tokenizer, '/rate{"rating": 5}') == ["rate", "rating", "5"]


def test_training_data_is_tokenized_and_intents_left_alone(tokenizer):
    data = TrainingData([Message.build(text="Cám ơn ad nhiều", intent="thank")])
    example, untoned = tokenizer.process_training_data(data).training_examples
    assert untoned.get(TEXT) == "cam on ad nhieu"
    # "cám ơn" is a dictionary phrase (two words, one span): expanded, so no twins.
    assert [t.text for t in example.get(TOKENS_NAMES[TEXT])] == [
        "cam",
        "on",
        "quan",
        "tri",
        "vien",
        "nhiều",
        "nhieu",
    ]
    assert [t.text for t in example.get(TOKENS_NAMES[INTENT])] == ["thank"]


def texts_and_intents(messages: list[Message]) -> list[tuple[str, str]]:
    return [(m.get(TEXT), m.get(INTENT)) for m in messages]


def test_toned_examples_are_also_trained_without_tones(tokenizer):
    data = TrainingData(
        [
            Message.build(text="Cảm ơn bạn nhiều", intent="thank"),
            Message.build(text="dừng lại", intent="start_over"),
            Message.build(text="dung lai", intent="start_over"),
        ]
    )
    examples = tokenizer.process_training_data(data).training_examples
    assert texts_and_intents(examples) == [
        ("Cảm ơn bạn nhiều", "thank"),
        ("dừng lại", "start_over"),
        ("dung lai", "start_over"),
        ("cam on ban nhieu", "thank"),
    ]
    assert [t.text for t in examples[-1].get(TOKENS_NAMES[TEXT])] == ["cam", "on", "ban", "nhieu"]


def test_no_copy_where_without_tones_the_intent_is_unclear():
    examples = [
        Message.build(text="Dừng", intent="start_over"),
        Message.build(text="đúng thế", intent="affirm"),
        Message.build(text="dừng thế", intent="start_over"),
        Message.build(text="đã có rồi", intent="affirm"),
        Message.build(text="ĐÃ CÓ RỒI!", intent="affirm"),
    ]
    # One word: "dung" is also "đúng"; "dung the" is two intents; "da co roi" only once.
    assert texts_and_intents(untoned_copies(examples)) == [("da co roi", "affirm")]


def test_copies_keep_entities_and_can_be_turned_off(tmp_path):
    text = "tôi ở Huế"
    example = Message.build(
        text=text, intent="inform", entities=[{"start": 6, "end": 9, "value": "Huế", "entity": "place"}]
    )
    [copy] = untoned_copies([example])
    assert copy.get(TEXT)[6:9] == "hue" and copy.get(ENTITIES) == example.get(ENTITIES)
    plain = create(VietnameseTokenizer, LocalModelStorage(tmp_path), "plain", untoned_copies=False)
    assert len(plain.process_training_data(TrainingData([example])).training_examples) == 1


def test_the_training_cache_sees_the_normaliser_change(tmp_path, monkeypatch):
    """Rasa fingerprints the class source only; the tokens also depend on knowledge.text."""
    import knowledge.text
    import nlu.vietnamese

    assert {Path(knowledge.text.__file__), knowledge.text.ABBREVIATIONS_FILE} <= set(nlu.vietnamese._SOURCES)
    dictionary = tmp_path / "abbreviations.tsv"
    dictionary.write_text("ko\tkhông\n", encoding="utf-8")
    monkeypatch.setattr(nlu.vietnamese, "_SOURCES", (dictionary,))
    before = VietnameseTokenizer.fingerprint_addon({})
    dictionary.write_text("ko\tkhông\nk\tkhông\n", encoding="utf-8")
    assert VietnameseTokenizer.fingerprint_addon({}) != before


def test_folded_tokens_get_the_same_entity_tags_with_or_without_tones(tokenizer):
    """Rasa's BILOU tags (DIET's entity part) see the folded words tagged alike either way."""

    def tags(text: str, place: str) -> list[tuple[str, str]]:
        start = text.index(place)
        tokens = tokens_of(tokenizer, text)
        found = bilou_tags_from_offsets(tokens, [(start, start + len(place), "place")])
        return [(t.text, tag) for t, tag in zip(tokens, found, strict=True) if fold(t.text) == t.text]

    toned = tags("tôi ở Thủ Dầu Một", "Thủ Dầu Một")
    plain = tags("toi o Thu Dau Mot", "Thu Dau Mot")
    assert (
        toned
        == plain
        == [
            ("toi", "O"),
            ("o", "O"),
            ("thu", "B-place"),
            ("dau", "I-place"),
            ("mot", "L-place"),
        ]
    )
    assert tags("ở Huế", "Huế") == [("o", "O"), ("hue", "U-place")]


@pytest.fixture(scope="module")
def trained(tmp_path_factory):
    """Tokenizer, both count-vector featurizers and a small DIET (intents and an entity), trained."""
    storage = LocalModelStorage(tmp_path_factory.mktemp("model"))
    tokenizer = create(VietnameseTokenizer, storage, "tokenizer")
    words = create(CountVectorsFeaturizer, storage, "words")
    chars = create(CountVectorsFeaturizer, storage, "chars", analyzer="char_wb", min_ngram=2, max_ngram=4)

    def example(text: str, intent: str, place: str | None = None) -> Message:
        entities = []
        if place:
            start = text.index(place)
            entities = [{"start": start, "end": start + len(place), "value": place, "entity": "place"}]
        return Message.build(text=text, intent=intent, entities=entities)

    data = TrainingData(
        [
            example("tôi ở Thủ Dầu Một", "inform", "Thủ Dầu Một"),
            example("toi o Thu Dau Mot", "inform", "Thu Dau Mot"),
            example("nhà ở Đà Lạt", "inform", "Đà Lạt"),
            example("nha o Da Lat", "inform", "Da Lat"),
            example("mình ở Huế", "inform", "Huế"),
            example("đúng rồi", "affirm"),
            example("đúng vậy", "affirm"),
            example("dung roi", "affirm"),
            example("dừng lại", "stop"),
            example("dừng hướng dẫn", "stop"),
            example("thoát", "stop"),
        ]
    )
    tokenizer.process_training_data(data)
    for featurizer in (words, chars):
        featurizer.train(data)
        featurizer.process_training_data(data)
    diet = create(DIETClassifier, storage, "diet", epochs=60, random_seed=2025)
    diet.train(data)

    def parse(text: str) -> Message:
        message = Message.build(text=text)
        for component in (tokenizer, words, chars, diet):
            component.process([message])
        return message

    return parse


def test_diet_trains_on_twins_and_tells_yes_from_stop(trained):
    assert trained("Đúng").get(INTENT)["name"] == "affirm"
    assert trained("dừng").get(INTENT)["name"] == "stop"


@pytest.mark.parametrize("text", ["em ở Thủ Dầu Một", "em o thu dau mot"])
def test_diet_entities_map_back_to_the_words_as_typed(trained, text):
    message = trained(text)
    found = [(text[e["start"] : e["end"]], e["entity"]) for e in message.get(ENTITIES, [])]
    assert found == [(text[text.lower().index("th") :], "place")]
