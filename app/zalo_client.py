"""Zalo OA API client: customer-service messages, the access-token pair, failed-send records.

Error codes (Zalo answers HTTP 200 with ``{"error": <non-zero>, "message": ...}``). Zalo's
published table and the implementations we read disagree, so the sets are deliberately wide;
check them against a real OA:

- ``TOKEN_ERRORS`` (-216 "access token invalid", -124 and -220 "access token expired"): refresh
  the pair once (under a lock) and send again.
- ``WINDOW_ERRORS`` (-213 not a follower / no recent interaction, -230 no interaction in 7 days,
  -232 interaction expired, -211 and -218 quota exceeded, -244 the person refuses messages): the
  reply window is closed or the quota used up; recorded for staff, never retried.
- Any other non-zero code: refused as well (recorded, not retried); it is a request Zalo will
  not accept however often it is sent.

HTTP 5xx, 429 and network failures are retried ``len(delays) + 1`` times in all, then recorded.
"""

from __future__ import annotations

import asyncio
import hashlib
import logging
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

import httpx
from sqlalchemy import DateTime, Float, Integer, String, Text, delete
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Mapped, mapped_column

from app.clock import Clock, aware, utc_now
from app.database import Base, Database

logger = logging.getLogger(__name__)

TOKEN_ERRORS = frozenset({-216, -124, -220})
WINDOW_ERRORS = frozenset({-213, -230, -232, -211, -218, -244})
REFRESH_MARGIN = 3600.0  # refresh an access token this many seconds before it expires
SEEN_TTL = timedelta(days=7)  # Zalo retries an unacknowledged event for hours, not days


class ZaloError(Exception):
    """A message could not be delivered; ``reason`` is what staff read in ``failed_sends``."""

    reason = "error"


class ZaloUnavailable(ZaloError):
    """Zalo did not answer, or answered 5xx/429, on every attempt."""

    reason = "unavailable"


class ZaloAuthError(ZaloError):
    """No usable access token: the refresh was refused or could not be made."""

    reason = "token"


class ZaloRefreshRefused(ZaloAuthError):
    """Zalo's OAuth server answered the refresh without a new pair: the refresh token is spent,
    expired or revoked, and only a new pair from the operator helps (channel health: down)."""


class ZaloRefused(ZaloError):
    """Zalo refused the message with an error code; sending it again would not help."""

    def __init__(self, code: int, message: str) -> None:
        super().__init__(f"Zalo error {code}: {message[:200]}")
        self.code = code
        self.reason = "window_closed" if code in WINDOW_ERRORS else "refused"


class ZaloTokenRow(Base):
    """The current token pair (one row). ``seed`` fingerprints the settings' pair it grew from."""

    __tablename__ = "zalo_tokens"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    access_token: Mapped[str] = mapped_column(Text)
    refresh_token: Mapped[str] = mapped_column(Text)
    expires_at: Mapped[float | None] = mapped_column(Float)  # Unix time; None: unknown
    seed: Mapped[str] = mapped_column(String(64))
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))


class ZaloEventRow(Base):
    """An event already taken (a hash of its id): Zalo's retries of it are dropped, even after a
    restart, for ``SEEN_TTL``."""

    __tablename__ = "zalo_events"

    key: Mapped[str] = mapped_column(String(250), primary_key=True)
    seen_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), index=True)


@dataclass
class TokenPair:
    access_token: str
    refresh_token: str
    expires_at: float | None
    seed: str


def fingerprint(*values: str) -> str:
    return hashlib.sha256("\x00".join(values).encode()).hexdigest()


class ZaloStore:
    """The token pair and the events already taken, in the app database."""

    name = "zalo_events"

    def __init__(self, database: Database, clock: Clock = utc_now) -> None:
        self._session = database.session
        self._clock = clock

    def load_pair(self) -> TokenPair | None:
        with self._session() as session:
            row = session.get(ZaloTokenRow, 1)
            if row is None:
                return None
            return TokenPair(row.access_token, row.refresh_token, row.expires_at, row.seed)

    def save_pair(self, pair: TokenPair) -> None:
        with self._session.begin() as session:
            row = session.get(ZaloTokenRow, 1) or ZaloTokenRow(id=1)
            row.access_token, row.refresh_token = pair.access_token, pair.refresh_token
            row.expires_at, row.seed = pair.expires_at, pair.seed
            row.updated_at = self._clock()
            session.add(row)

    def first_time(self, key: str) -> bool:
        """Remember event ``key``; False when it was taken before (within ``SEEN_TTL``)."""
        digest = hashlib.sha256(key.encode("utf-8", "replace")).hexdigest()
        now = self._clock()
        try:
            with self._session.begin() as session:
                row = session.get(ZaloEventRow, digest)
                if row is not None and now - aware(row.seen_at) < SEEN_TTL:
                    return False
                if row is None:
                    session.add(ZaloEventRow(key=digest, seen_at=now))
                else:
                    row.seen_at = now
        except IntegrityError:  # the same event twice at once: the other request took it
            return False
        return True

    def forget_event(self, key: str) -> None:
        """Let an event be taken again (it could not be queued; Zalo will retry it)."""
        digest = hashlib.sha256(key.encode("utf-8", "replace")).hexdigest()
        with self._session.begin() as session:
            session.execute(delete(ZaloEventRow).where(ZaloEventRow.key == digest))

    def purge(self, cutoff: datetime) -> int:
        """Event ids are kept ``SEEN_TTL`` (they name no one: hashes of Zalo's message ids)."""
        oldest = max(cutoff, self._clock() - SEEN_TTL)
        with self._session.begin() as session:
            return session.execute(delete(ZaloEventRow).where(ZaloEventRow.seen_at < oldest)).rowcount or 0

    def forget(self, key: str) -> int:
        return 0  # nothing here is tied to a person


class ZaloClient:
    """Sends OA customer-service messages and keeps the token pair fresh (one refresh at a time)."""

    def __init__(
        self,
        *,
        app_id: str,
        app_secret: str,
        access_token: str,
        refresh_token: str,
        api_url: str,
        oauth_url: str,
        store: ZaloStore,
        delays: Sequence[float] = (1.0, 4.0),
        save_delays: Sequence[float] = (0.5, 2.0),
        timeout: float = 10.0,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self._app_id, self._app_secret = app_id, app_secret
        self._message_url = api_url.rstrip("/") + "/v3.0/oa/message/cs"
        self._oauth_url = oauth_url.rstrip("/") + "/v4/oa/access_token"
        self._store, self._delays, self._clock = store, tuple(delays), clock
        self._http = httpx.AsyncClient(timeout=httpx.Timeout(timeout, connect=3.0))
        self._lock = asyncio.Lock()
        self._save_delays = tuple(save_delays)
        self._unsaved = False
        # The settings' pair is the seed; a pair the database grew from the same seed is newer.
        seed = fingerprint(access_token, refresh_token)
        stored = store.load_pair()
        self.new_pair = stored is None or stored.seed != seed  # the operator gave a new pair
        if stored is not None and stored.seed == seed:
            self._pair = stored
        else:
            self._pair = TokenPair(access_token, refresh_token, None, seed)
            store.save_pair(self._pair)

    async def aclose(self) -> None:
        await self._http.aclose()

    @property
    def refresh_due(self) -> bool:
        expires = self._pair.expires_at
        return not self._pair.access_token or (
            expires is not None and self._clock() >= expires - REFRESH_MARGIN
        )

    async def access_token(self) -> str:
        if self._unsaved:
            await self.save_pending(retry=False)
        if self.refresh_due:
            return await self.refresh(self._pair.access_token)
        return self._pair.access_token

    async def refresh(self, stale: str) -> str:
        """Swap the pair for a new one, unless another caller already replaced ``stale``."""
        async with self._lock:
            if self._pair.access_token != stale and not self.refresh_due:
                return self._pair.access_token
            data = await self._refresh_request()
            try:
                pair = TokenPair(
                    access_token=str(data["access_token"]),
                    refresh_token=str(data["refresh_token"]),
                    expires_at=self._clock() + float(data.get("expires_in") or 90000),
                    seed=self._pair.seed,
                )
            except (KeyError, TypeError, ValueError) as exc:
                code = data.get("error", "?")
                raise ZaloRefreshRefused(f"Zalo refused the token refresh (error {code})") from exc
            # The old refresh token is spent now: the new pair lives in memory at once and is
            # stored; if the database refuses, it stays in memory and the save is tried again.
            self._pair = pair
            self._unsaved = True
            logger.info(
                "zalo: access token refreshed, valid for %.0f h", (pair.expires_at - self._clock()) / 3600
            )
            await self.save_pending()
            return pair.access_token

    @property
    def unsaved(self) -> bool:
        """A refreshed pair is held in memory only: the database refused it so far."""
        return self._unsaved

    async def save_pending(self, retry: bool = True) -> bool:
        """Store a pair that is held in memory only (retrying a few times unless ``retry`` is
        false: a send tries once and goes on); True once stored."""
        pair = self._pair
        delays = (*self._save_delays, None) if retry else (None,)
        for attempt, delay in enumerate(delays, start=1):
            if not self._unsaved:
                return True
            try:
                await asyncio.to_thread(self._store.save_pair, pair)
            except Exception as exc:  # any database failure: keep the pair, try again
                logger.error(
                    "zalo: the refreshed token pair could not be stored (attempt %d): %r", attempt, exc
                )
                if delay is None:
                    return False
                await asyncio.sleep(delay)
                continue
            if self._pair is pair:
                self._unsaved = False
            return True
        return False

    async def _refresh_request(self) -> dict[str, Any]:
        form = {
            "refresh_token": self._pair.refresh_token,
            "app_id": self._app_id,
            "grant_type": "refresh_token",
        }
        try:
            response = await self._http.post(
                self._oauth_url, data=form, headers={"secret_key": self._app_secret}
            )
            data = response.json()
        except (httpx.HTTPError, ValueError) as exc:
            raise ZaloAuthError(f"token refresh failed ({type(exc).__name__})") from exc
        if not isinstance(data, dict):
            raise ZaloAuthError(f"token refresh answered HTTP {response.status_code} without JSON")
        return data

    async def send(self, user_id: str, message: dict[str, Any]) -> dict[str, Any]:
        """Send one CS message; its ``data`` on success, else a :class:`ZaloError`."""
        body = {"recipient": {"user_id": user_id}, "message": message}
        refreshed = False
        attempt = 0
        while True:
            token = await self.access_token()
            response, failure = await self._post(body, token)
            if response is not None:
                data = self._json(response)
                code = _error_code(data.get("error", 0))
                if code == 0:
                    return data.get("data") if isinstance(data.get("data"), dict) else {}
                if code not in TOKEN_ERRORS:
                    raise ZaloRefused(code, str(data.get("message", "")))
                if refreshed:
                    raise ZaloAuthError(f"Zalo refused a freshly refreshed access token (error {code})")
                refreshed = True
                await self.refresh(token)
                continue
            if attempt >= len(self._delays):
                raise ZaloUnavailable(f"Zalo did not take the message in {attempt + 1} attempts ({failure})")
            logger.warning("zalo: send attempt %d failed (%s), retrying", attempt + 1, failure)
            await asyncio.sleep(self._delays[attempt])
            attempt += 1

    async def _post(self, body: dict[str, Any], token: str) -> tuple[httpx.Response | None, str]:
        """Zalo's answer, or None and why it is worth another try (network, 5xx, 429)."""
        try:
            response = await self._http.post(self._message_url, json=body, headers={"access_token": token})
        except httpx.TransportError as exc:
            return None, type(exc).__name__
        if response.status_code >= 500 or response.status_code == 429:
            return None, f"HTTP {response.status_code}"
        return response, ""

    @staticmethod
    def _json(response: httpx.Response) -> dict[str, Any]:
        try:
            data = response.json()
        except ValueError:
            data = None
        if not isinstance(data, dict):
            raise ZaloRefused(-1, f"HTTP {response.status_code} without a JSON object")
        return data


def _error_code(value: Any) -> int:
    if isinstance(value, int) and not isinstance(value, bool):
        return value
    try:
        return int(str(value))
    except ValueError:
        return -1
