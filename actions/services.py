"""What actions need from the app process, handed to them at start-up."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Protocol

if TYPE_CHECKING:  # the search module pulls in FAISS; actions import nothing heavy
    from actions.dossier_status import DossierStatusClient
    from knowledge.models import Guide, Procedure
    from knowledge.search import SearchResult


@dataclass(frozen=True)
class CentreContact:
    """How to reach the Public Administration Centre (a deployment setting)."""

    name: str
    address: str
    hotline: str
    hours: str
    portal_url: str

    def lines(self) -> list[str]:
        """The contact details as short lines for a phone screen."""
        return [
            self.name,
            f"Địa chỉ: {self.address}",
            f"Đường dây nóng: {self.hotline}",
            f"Thời gian làm việc: {self.hours}",
            f"Cổng Dịch vụ công: {self.portal_url}",
        ]


class Knowledge(Protocol):
    """What actions need of the knowledge base."""

    def search(self, query: str, k: int = 5, related: int = 2) -> SearchResult: ...

    def topic(self, slug: str) -> Procedure | Guide | None: ...

    def topics(self, kind: str | None = None) -> list[Procedure | Guide]: ...


@dataclass(frozen=True)
class Rating:
    """One satisfaction rating at the end of a guide."""

    sender: str
    channel: str
    procedure: str | None
    score: int  # 1 (rất không hài lòng) … 5 (rất hài lòng)
    human_help: bool


class Ratings(Protocol):
    """Where ratings are kept for the staff console (the app's database)."""

    def add(self, rating: Rating) -> int: ...

    def comment(self, rating_id: int, text: str) -> None: ...


@dataclass
class Services:
    centre: CentreContact
    knowledge: Knowledge | None = None  # set by the app once the knowledge base is open
    ratings: Ratings | None = None
    dossier_status: DossierStatusClient | None = None  # only when DOSSIER_STATUS_URL is set
    dossier_lookup_url: str = "https://dichvucong.gov.vn/tra-cuu-ho-so"
