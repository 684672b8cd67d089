"""A Rasa tokenizer that makes Vietnamese typed every which way look alike to the featurizers.

The message text itself is left as the person typed it (the tracker keeps it, spans point
into it); the tokens carry the matching form from ``knowledge.text``: diacritics folded, NFC
or NFD alike, teencode respelled and abbreviations expanded ("đk ks" and "đăng ký khai sinh"
give the same four folded tokens).

Folding alone makes different words one: "đúng" (yes) and "dừng" (stop) both become "dung",
"đã" (already) and "dạ" (polite yes) both "da". So a word typed with tones also gets its
*toned twin*: one more token with the same span, holding the word as typed (NFC, lower case,
a letter repeated three times or more kept once). Unaccented input gives only folded tokens,
exactly as before, so the featurizers and DIET see the folded words for every spelling and,
when the person typed tones, the toned words beside them.

Trained on toned examples alone, the classifier leans on the twins and reads unaccented
messages worse (on a fifth of the training data held apart, typed without tones: macro-F1
0.895 without twins, 0.842 with them). So in training every toned example also counts once
without its tones (``untoned_copies``; 0.897 on the same split), unless that message is
already there, belongs without tones to two intents or is a single word.

The twin comes just *before* its folded token. Rasa's BILOU entity tags map a span's start to
the last token starting there and its end to the last token ending there, so the folded
tokens get the same entity tags whether or not the person typed tones (the twins get "O" or
"I-"), and entities predicted on either token map back to the word's span.
"""

from __future__ import annotations

import hashlib
import re
import unicodedata
from collections import Counter, defaultdict
from pathlib import Path
from typing import Any

from rasa.engine.graph import ExecutionContext
from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.engine.storage.resource import Resource
from rasa.engine.storage.storage import ModelStorage
from rasa.nlu.tokenizers.tokenizer import Token
from rasa.nlu.tokenizers.whitespace_tokenizer import WhitespaceTokenizer
from rasa.shared.nlu.constants import ACTION_TEXT, ENTITIES, INTENT, TEXT
from rasa.shared.nlu.training_data.message import Message
from rasa.shared.nlu.training_data.training_data import TrainingData

import knowledge.text
from knowledge.text import analyse, fold, words

# Attributes holding what a person (or a bot utterance, in end-to-end training) wrote.
_FREE_TEXT = (TEXT, ACTION_TEXT)
# "đúnggg" is typed for emphasis: keep one of a letter repeated three times or more, as the
# folded form does.
_REPEATS = re.compile(r"(.)\1{2,}")
# What the tokens depend on besides the class's own code (Rasa's training cache fingerprints
# only the class source): this module, the normaliser and its abbreviation dictionary.
_SOURCES = (Path(__file__), Path(knowledge.text.__file__), knowledge.text.ABBREVIATIONS_FILE)


def toned_twin(surface: str, folded: str) -> str | None:
    """The word as typed, with its tones, when that differs from its folded token ``folded``.

    None when the word has no diacritics (the folded token says it all) or when the folded
    token is not this word with tones removed (teencode respelled, an abbreviation expanded):
    the twin is only ever the same word with its tones.
    """
    word = _REPEATS.sub(r"\1", unicodedata.normalize("NFC", surface).lower())
    if word == folded or fold(word) != folded:
        return None
    return word


def untoned_copies(examples: list[Message]) -> list[Message]:
    """A copy without tones of each toned intent example, where that teaches something new.

    Skipped when the message is already an example without tones, when without tones it
    belongs to two intents, when it is one word (without tones one word is often several:
    "dung" is "đúng", "dừng" or "dùng"; "da" is "dạ", "đã" or "da"), or when an entity's span
    would not survive folding.
    """

    def folded_key(text: str) -> str:
        return " ".join(words(fold(text)))

    def typed_key(text: str) -> str:
        return " ".join(words(unicodedata.normalize("NFC", text).lower()))

    labelled = [(e, e.get(TEXT), e.get(INTENT)) for e in examples if e.get(TEXT) and e.get(INTENT)]
    intents: dict[str, set[str]] = defaultdict(set)
    present: set[str] = set()
    for _, text, intent in labelled:
        intents[folded_key(text)].add(intent)
        if typed_key(text) == folded_key(text):
            present.add(folded_key(text))
    copies = []
    for example, text, _ in labelled:
        key, folded = folded_key(text), fold(text)
        if key in present or len(intents[key]) > 1 or " " not in key:
            continue
        if example.get(ENTITIES) and len(folded) != len(text):
            continue
        present.add(key)
        copies.append(Message(data={**example.data, TEXT: folded}))
    return copies


@DefaultV1Recipe.register(DefaultV1Recipe.ComponentType.MESSAGE_TOKENIZER, is_trainable=False)
class VietnameseTokenizer(WhitespaceTokenizer):
    """Whitespace tokenizer whose tokens are the normalised Vietnamese words and their toned twins."""

    @staticmethod
    def get_default_config() -> dict[str, Any]:
        return {**WhitespaceTokenizer.get_default_config(), "untoned_copies": True}

    @staticmethod
    def not_supported_languages() -> list[str] | None:
        return None

    @classmethod
    def fingerprint_addon(cls, config: dict[str, Any]) -> str | None:
        digest = hashlib.sha256()
        for path in _SOURCES:
            digest.update(path.read_bytes())
        return digest.hexdigest()

    @classmethod
    def create(
        cls,
        config: dict[str, Any],
        model_storage: ModelStorage,
        resource: Resource,
        execution_context: ExecutionContext,
    ) -> VietnameseTokenizer:
        return cls(config)

    def process_training_data(self, training_data: TrainingData) -> TrainingData:
        if self._config.get("untoned_copies", True):
            examples = training_data.training_examples
            training_data = TrainingData(
                training_examples=[*examples, *untoned_copies(examples)],
                entity_synonyms=training_data.entity_synonyms,
                regex_features=training_data.regex_features,
                lookup_tables=training_data.lookup_tables,
                responses=training_data.responses,
            )
        return super().process_training_data(training_data)

    def tokenize(self, message: Message, attribute: str) -> list[Token]:
        if attribute not in _FREE_TEXT:
            return super().tokenize(message, attribute)
        text = message.get(attribute) or ""
        matched = analyse(text)
        # An abbreviation expanded into several words shares one span: it has no single twin.
        words_per_span = Counter((t.start, t.end) for t in matched)
        found: list[Token] = []
        for t in matched:
            twin = toned_twin(text[t.start : t.end], t.text) if words_per_span[t.start, t.end] == 1 else None
            if twin is not None:
                found.append(Token(twin, t.start, t.end, lemma=twin))
            found.append(Token(t.text, t.start, t.end, lemma=t.text))
        if not found:
            # Only punctuation or emoji: keep one token so featurizers still see the message.
            found = [Token(text, 0, len(text))]
        return self._apply_token_pattern(found)
