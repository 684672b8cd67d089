"""What actions need from the app process, handed to them at start-up."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Protocol

if TYPE_CHECKING:  # the search module pulls in FAISS; actions import nothing heavy
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


@dataclass
class Services:
    centre: CentreContact
    knowledge: Knowledge | None = None  # set by the app once the knowledge base is open
