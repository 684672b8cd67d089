"""A Rasa tokenizer that makes Vietnamese typed every which way look alike to the featurizers.

The message text itself is left as the person typed it (the tracker keeps it, spans point
into it); only the tokens carry the matching form from ``knowledge.text``: diacritics
folded, NFC or NFD alike, teencode respelled and abbreviations expanded ("đk ks" and
"đăng ký khai sinh" give the same four tokens).
"""

from __future__ import annotations

from typing import Any

from rasa.engine.graph import ExecutionContext
from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.engine.storage.resource import Resource
from rasa.engine.storage.storage import ModelStorage
from rasa.nlu.tokenizers.tokenizer import Token
from rasa.nlu.tokenizers.whitespace_tokenizer import WhitespaceTokenizer
from rasa.shared.nlu.constants import ACTION_TEXT, TEXT
from rasa.shared.nlu.training_data.message import Message

from knowledge.text import analyse

# Attributes holding what a person (or a bot utterance, in end-to-end training) wrote.
_FREE_TEXT = (TEXT, ACTION_TEXT)


@DefaultV1Recipe.register(DefaultV1Recipe.ComponentType.MESSAGE_TOKENIZER, is_trainable=False)
class VietnameseTokenizer(WhitespaceTokenizer):
    """Whitespace tokenizer whose tokens are the normalised Vietnamese words."""

    @staticmethod
    def get_default_config() -> dict[str, Any]:
        return WhitespaceTokenizer.get_default_config()

    @staticmethod
    def not_supported_languages() -> list[str] | None:
        return None

    @classmethod
    def create(
        cls,
        config: dict[str, Any],
        model_storage: ModelStorage,
        resource: Resource,
        execution_context: ExecutionContext,
    ) -> VietnameseTokenizer:
        return cls(config)

    def tokenize(self, message: Message, attribute: str) -> list[Token]:
        if attribute not in _FREE_TEXT:
            return super().tokenize(message, attribute)
        text = message.get(attribute) or ""
        found = [Token(t.text, t.start, t.end, lemma=t.text) for t in analyse(text)]
        if not found:
            # Only punctuation or emoji: keep one token so featurizers still see the message.
            found = [Token(text, 0, len(text))]
        return self._apply_token_pattern(found)
