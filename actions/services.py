"""What actions need from the app process, handed to them at start-up."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any, Protocol

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

    def answer_entry(self, entry_id: str, related: int = 2) -> SearchResult | None: ...

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


Blocking = Callable[..., Awaitable[Any]]  # runs a blocking call off the event loop


async def _always(_sender: str) -> bool:
    return True


def _utc_now() -> datetime:
    return datetime.now(UTC)


@dataclass
class Services:
    centre: CentreContact
    knowledge: Knowledge | None = None  # set by the app once the knowledge base is open
    ratings: Ratings | None = None
    dossier_status: DossierStatusClient | None = None  # only when DOSSIER_STATUS_URL is set
    dossier_lookup_url: str = "https://dichvucong.gov.vn/tra-cuu-ho-so"
    # The app's bounded worker threads: database reads/writes, and search/encoding.
    run_io: Blocking = asyncio.to_thread
    run_compute: Blocking = asyncio.to_thread
    # One more dossier-status lookup for this sender? (the app's per-person limit)
    dossier_allowed: Callable[[str], Awaitable[bool]] = _always
    retention_days: int = 90  # slots carried into a new session expire with the retention window
    clock: Callable[[], datetime] = _utc_now
