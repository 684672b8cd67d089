"""The shape of the knowledge content: procedures, guide topics and FAQ entries.

These models are the schema check of the reviewed seed (``knowledge/content``): a file that
does not validate is rejected with the field and the reason.
"""

from __future__ import annotations

from datetime import date
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, StringConstraints, field_validator, model_validator

Text = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1)]
Url = Annotated[
    str, StringConstraints(strip_whitespace=True, pattern=r"^https://[A-Za-z0-9.-]+\.[A-Za-z]{2,}(/\S*)?$")
]
Slug = Annotated[str, StringConstraints(pattern=r"^[a-z0-9]+(-[a-z0-9]+)*$")]


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Validity(Strict):
    """A fact that holds only between known dates (both ends inclusive; open when absent)."""

    valid_from: date | None = None
    valid_until: date | None = None

    @model_validator(mode="after")
    def _ordered(self) -> Validity:
        if self.valid_from and self.valid_until and self.valid_from > self.valid_until:
            raise ValueError("valid_from is after valid_until")
        return self

    def valid_on(self, day: date) -> bool:
        return (self.valid_from is None or self.valid_from <= day) and (
            self.valid_until is None or day <= self.valid_until
        )


class Source(Strict):
    title: Text
    url: Url


class Step(Strict):
    instruction: Text
    screen: str = ""
    problems: list[Text] = Field(default_factory=list)


class Document(Strict):
    name: Text
    kind: Literal["original", "copy", "certified_copy", "electronic", "show"]
    form_code: str | None = None
    how_to_get: str = ""


class Fee(Validity):
    text: Text
    applies: Literal["online", "in_person", "both"]


class Caveat(Validity):
    text: Text


class Agency(Strict):
    receiving: Text
    deciding: Text
    depends_on_residence: bool = False
    # Which level of the (post-2025, two-level) local government receives the dossier when
    # that depends on where the person lives: the commune/ward or the province.
    level: Literal["commune", "province"] | None = None

    @model_validator(mode="after")
    def _level_when_residence(self) -> Agency:
        if self.depends_on_residence and self.level is None:
            raise ValueError("depends_on_residence needs the receiving level (commune or province)")
        return self


class Online(Strict):
    level: Literal["full", "partial", "none"]
    portal: Text
    url: Url


class Topic(Strict):
    """What procedures and guide topics share."""

    slug: Slug
    name: Text
    group: Text
    aliases: list[Text] = Field(min_length=1)
    summary: Text
    steps: list[Step] = Field(min_length=1)
    caveats: list[Caveat] = Field(default_factory=list)
    sources: list[Source] = Field(min_length=1)
    reviewed: date

    @field_validator("caveats", mode="before")
    @classmethod
    def _caveat_strings(cls, value: object) -> object:
        """Accept a plain string as a caveat without dates."""
        if isinstance(value, list):
            return [{"text": item} if isinstance(item, str) else item for item in value]
        return value


class Ask(Strict):
    """A request that means this procedure, whatever document of another procedure it names.

    The procedure is what a message asks for when it holds one of ``words`` and, if ``about``
    is given, one of ``about`` too ("mất" + "giấy khai sinh", "cải chính" alone). Words inside
    one of ``unless`` mean something else there ("mất mấy ngày": takes how many days).
    """

    words: list[Text] = Field(min_length=1)
    about: list[Text] = Field(default_factory=list)
    unless: list[Text] = Field(default_factory=list)


class Procedure(Topic):
    kind: Literal["procedure"]
    agency: Agency
    who: Text
    documents: list[Document] = Field(min_length=1)
    processing_time: Text
    fees: list[Fee] = Field(min_length=1)
    online: Online
    result_delivery: Text
    legal_basis: list[Text] = Field(default_factory=list)
    # The papers (or account) it issues, by the names people use: "giấy khai sinh", "căn cước".
    # A message naming one while asking for something else merely mentions this procedure.
    issues: list[Text] = Field(default_factory=list)
    # What a request for this procedure says, beyond its name (see Ask).
    asks: list[Ask] = Field(default_factory=list)
    # A liên thông procedure: the procedures it does in one dossier, each by the words that name
    # it. Two of them named in one message mean this procedure.
    bundles: list[list[Text]] = Field(default_factory=list)

    @field_validator("bundles")
    @classmethod
    def _several_parts(cls, value: list[list[Text]]) -> list[list[Text]]:
        if len(value) == 1:
            raise ValueError("a bundle has at least two parts")
        if any(not part for part in value):
            raise ValueError("every part of a bundle needs at least one phrase")
        return value


class Trouble(Validity):
    symptom: Text
    fix: Text


class Guide(Topic):
    kind: Literal["guide"]
    troubleshooting: list[Trouble] = Field(min_length=1)


class FaqEntry(Validity):
    id: Annotated[str, StringConstraints(pattern=r"^[a-z0-9-]+/[a-z0-9-]+$")]
    question: Text
    phrasings: list[Text] = Field(min_length=3)
    answer: Text
    source: Url
    # When a person last checked it; absent: the file's ``reviewed``, else its topic's.
    reviewed: date | None = None


class FaqFile(Strict):
    slug: Slug
    # When a person last checked the file's entries; absent: the topic's ``reviewed``.
    reviewed: date | None = None
    entries: list[FaqEntry] = Field(min_length=1)

    @model_validator(mode="after")
    def _ids_belong_to_slug(self) -> FaqFile:
        for entry in self.entries:
            if not entry.id.startswith(f"{self.slug}/"):
                raise ValueError(f"entry {entry.id} does not start with '{self.slug}/'")
        return self
