"""What actions need from the app process, handed to them at start-up."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any, Literal, Protocol

if TYPE_CHECKING:  # the search module pulls in FAISS; actions import nothing heavy
    from actions.dossier_status import DossierStatusClient
    from knowledge.models import Guide, Procedure
    from knowledge.search import SearchResult

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class CentreContact:
    """Where a person gets help from people: the province's centre and the national helpline.

    Deployment settings (README "Settings"): the centre's ``name``, ``address`` and ``phone`` have
    no invented default; empty, they are left out of every reply. ``hours`` is the handoff's
    working hours worded by the app (HANDOFF_HOURS, app/handoff/hours.py), shown beside the
    centre's own details only (a centre with none is not one people can find). ``hotline`` is
    the national public-service portal's helpline (CENTRE_HOTLINE, 1800 1096), never the
    centre's, and is always given under that name. The wording of each line lives here, also
    for the app's "unavailable" reply.
    """

    name: str
    address: str
    hotline: str
    hours: str
    portal_url: str
    phone: str = ""

    @staticmethod
    def helpline_line(hotline: str) -> str:
        """The national portal's helpline under its own name; empty when not configured."""
        return f"Tổng đài hỗ trợ Cổng Dịch vụ công quốc gia: {hotline}" if hotline else ""

    @staticmethod
    def hours_line(hours: str) -> str:
        """The centre's working hours as people read them; empty when not configured."""
        return f"Giờ làm việc của Trung tâm: {hours}" if hours else ""

    @staticmethod
    def phone_line(phone: str) -> str:
        """The centre's own phone number; empty when not configured."""
        return f"Điện thoại của Trung tâm: {phone}" if phone else ""

    def lines(self) -> list[str]:
        """The contact details as short lines for a phone screen, leaving out what is not set.

        With no detail of the centre configured, the person is pointed to the desk that takes
        the dossier, which every procedure has.
        """
        centre = [self.name, self.phone_line(self.phone), f"Địa chỉ: {self.address}" if self.address else ""]
        centre = [line for line in centre if line]
        if centre and self.hours:
            centre.append(self.hours_line(self.hours))
        if not centre:
            centre = ["Cán bộ ở bộ phận tiếp nhận hồ sơ của cơ quan giải quyết thủ tục anh/chị đang làm"]
        helpline = self.helpline_line(self.hotline)
        return [*centre, *([helpline] if helpline else []), f"Cổng Dịch vụ công: {self.portal_url}"]


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


# What the person got when the knowledge base could not answer: topics to choose from ("unsure"),
# nothing found ("none"), or, at the second miss in a row, the centre's contact ("contact").
Outcome = Literal["unsure", "none", "contact"]


@dataclass(frozen=True)
class Candidate:
    """An entry the search offered for a question it could not answer, with its fused score."""

    id: str
    slug: str
    title: str
    score: float


@dataclass(frozen=True)
class UnansweredQuestion:
    """A question the knowledge base could not answer, kept for the staff console."""

    sender: str
    channel: str
    text: str  # as it reached Rasa (the pipeline masked personal numbers; the store masks again)
    outcome: Outcome
    candidates: tuple[Candidate, ...] = ()


class Activity(Protocol):
    """Where the dashboard's events are stored (``app/activity.py``); sync: call it through ``run_io``."""

    def record(
        self,
        kind: str,
        *,
        sender: str,
        channel: str,
        procedure: str | None = None,
        step: int | None = None,
        value: float | None = None,
        at: datetime | None = None,
    ) -> None: ...


class UnansweredQuestions(Protocol):
    """Where unanswered questions are kept (the app's database), grouped for the staff."""

    def add(self, question: UnansweredQuestion) -> int: ...


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
    unanswered: UnansweredQuestions | None = None
    activity: Activity | None = None  # the dashboard's events
    dossier_status: DossierStatusClient | None = None  # only when DOSSIER_STATUS_URL is set
    dossier_lookup_url: str = "https://dichvucong.gov.vn/tra-cuu-ho-so"
    # The app's bounded worker threads: database reads/writes, and search/encoding.
    run_io: Blocking = asyncio.to_thread
    run_compute: Blocking = asyncio.to_thread
    # One more dossier-status lookup for this sender? (the app's per-person limit)
    dossier_allowed: Callable[[str], Awaitable[bool]] = _always
    retention_days: int = 90  # slots carried into a new session expire with the retention window
    clock: Callable[[], datetime] = _utc_now

    async def record(
        self,
        kind: str,
        sender: str,
        *,
        procedure: str | None = None,
        step: int | None = None,
        value: float | None = None,
    ) -> None:
        """Store a dashboard event (``activity``) for ``sender``; a failure is logged, never raised."""
        if self.activity is None:
            return
        prefix, _, rest = sender.partition(":")
        channel = prefix if rest and prefix in {"web", "tg", "zalo"} else "api"
        try:
            await self.run_io(
                self.activity.record,
                kind,
                sender=sender,
                channel=channel,
                procedure=procedure,
                step=step,
                value=value,
            )
        except Exception:  # a figure lost must not cost the person the reply
            logger.exception("could not record a %s event", kind)
