"""Find the procedure a message names, however it is typed.

The phrases come from the generated lookup in the NLU data (``lookup: procedure`` and one
``synonym: <slug>`` block per procedure, written by ``python -m knowledge lookup``). Both the
phrases and the message go through ``knowledge.text``, so "giấy khai sinh", "giay khai sinh"
and "gks" match alike; the longest phrase wins. The entity's value is the catalog slug.
"""

from __future__ import annotations

import json
from typing import Any

from rasa.engine.graph import ExecutionContext, GraphComponent
from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.engine.storage.resource import Resource
from rasa.engine.storage.storage import ModelStorage
from rasa.nlu.extractors.extractor import EntityExtractorMixin
from rasa.shared.nlu.constants import ENTITIES, TEXT
from rasa.shared.nlu.training_data.message import Message
from rasa.shared.nlu.training_data.training_data import TrainingData

from knowledge.text import analyse, tokens

PHRASES_FILE = "phrases.json"


@DefaultV1Recipe.register(DefaultV1Recipe.ComponentType.ENTITY_EXTRACTOR, is_trainable=True)
class ProcedureEntityExtractor(GraphComponent, EntityExtractorMixin):
    """Longest-match lookup of procedure names and aliases on normalised tokens."""

    @staticmethod
    def get_default_config() -> dict[str, Any]:
        return {"entity": "procedure"}

    def __init__(
        self,
        config: dict[str, Any],
        model_storage: ModelStorage,
        resource: Resource,
        phrases: dict[tuple[str, ...], str] | None = None,
    ) -> None:
        self._config = {**self.get_default_config(), **config}
        self._model_storage = model_storage
        self._resource = resource
        self._phrases = phrases or {}
        self._longest = max((len(key) for key in self._phrases), default=0)

    @classmethod
    def create(
        cls,
        config: dict[str, Any],
        model_storage: ModelStorage,
        resource: Resource,
        execution_context: ExecutionContext,
    ) -> ProcedureEntityExtractor:
        return cls(config, model_storage, resource)

    def train(self, training_data: TrainingData) -> Resource:
        entity = self._config["entity"]
        synonyms = {text.lower(): value for text, value in training_data.entity_synonyms.items()}
        phrases: dict[tuple[str, ...], str] = {}
        for table in training_data.lookup_tables:
            if table.get("name") != entity:
                continue
            for element in table.get("elements", []):
                slug = synonyms.get(str(element).lower())
                key = tuple(tokens(str(element)))
                if slug and key:
                    phrases[key] = slug
        self.__init__(self._config, self._model_storage, self._resource, phrases)  # type: ignore[misc]
        with self._model_storage.write_to(self._resource) as directory:
            rows = [[list(key), slug] for key, slug in sorted(phrases.items())]
            (directory / PHRASES_FILE).write_text(json.dumps(rows, ensure_ascii=False), encoding="utf-8")
        return self._resource

    @classmethod
    def load(
        cls,
        config: dict[str, Any],
        model_storage: ModelStorage,
        resource: Resource,
        execution_context: ExecutionContext,
        **kwargs: Any,
    ) -> ProcedureEntityExtractor:
        try:
            with model_storage.read_from(resource) as directory:
                rows = json.loads((directory / PHRASES_FILE).read_text(encoding="utf-8"))
        except (ValueError, FileNotFoundError):
            rows = []
        return cls(config, model_storage, resource, {tuple(key): slug for key, slug in rows})

    def find(self, text: str) -> list[dict[str, Any]]:
        """The procedures named in ``text``, longest phrase first at each position."""
        found = analyse(text)
        words = [token.text for token in found]
        entities: list[dict[str, Any]] = []
        i = 0
        while i < len(words):
            for size in range(min(self._longest, len(words) - i), 0, -1):
                slug = self._phrases.get(tuple(words[i : i + size]))
                if slug is not None:
                    start, end = found[i].start, found[i + size - 1].end
                    entities.append(
                        {"entity": self._config["entity"], "start": start, "end": end, "value": slug}
                    )
                    i += size
                    break
            else:
                i += 1
        return entities

    def process(self, messages: list[Message]) -> list[Message]:
        for message in messages:
            text = message.get(TEXT)
            if not text or not self._phrases:
                continue
            entities = self.add_extractor_name(self.find(text))
            message.set(ENTITIES, message.get(ENTITIES, []) + entities, add_to_output=True)
        return messages
