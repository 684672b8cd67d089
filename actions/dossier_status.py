"""Thin client for a province's dossier-status service (tra cứu tình trạng hồ sơ thủ tục hành chính).

Dossier codes
-------------
One-stop (một cửa) systems give each dossier a code (mã hồ sơ / mã số biên nhận) of the form
``<agency code>-<yymmdd>-<sequence>``: the agency code is two or more dot-separated alphanumeric
groups, the middle part the receipt date, the last part a zero-padded sequence number of 4 to 8
digits, e.g. ``000.00.31.H56-250714-0012``, ``G22.99-251003-0007``, ``H12.34.5-260105-000123``.
:func:`find_dossier_code` finds the first valid code in free text (letters in any case, returned
upper-cased, the date checked to be a real one); :func:`looks_like_dossier_code` spots a token
that was meant as a code but is not a valid one (``G22.99-2510-7``, a date that does not exist,
spaces around the dashes), so that the assistant can ask the person to check it.

The JSON contract a province implements
---------------------------------------
``GET {url}?code=<code>``, with ``Authorization: Bearer <token>`` when the deployment configures
a token, and ``Accept: application/json``. The code is sent upper-cased.

* ``200`` with a JSON object::

      {
        "code": "G22.99-251003-0007",                  # str, the dossier asked for
        "status": "Đang xử lý",                        # str, non-empty, shown to the citizen as is
        "updated_at": "2025-10-05T09:30:00+07:00",     # ISO-8601 date-time string, or null
        "agency": "Sở Tư pháp",                        # str or null, the agency handling it now
        "due_date": "2025-10-17",                      # "YYYY-MM-DD" or null, the promised date
        "note": "Bổ sung bản sao giấy khai sinh"       # str or null
      }

  Other fields are ignored; a nullable field may also be left out. The code in the answer must be
  the one asked for (letter case aside). A date-time without an offset is taken as it comes
  (the province's local time).
* ``404``: no dossier with that code.
* Anything else (a redirect, another 4xx, a 5xx, a body that breaks the contract or is larger
  than 64 KiB), like a network error or a timeout, means the service is unavailable.

Errors are typed: :class:`DossierNotFound` and :class:`DossierStatusUnavailable`, both
:class:`DossierStatusError`. The token is never logged; the code only at debug level.
"""

from __future__ import annotations

import asyncio
import logging
import re
from dataclasses import dataclass
from datetime import date, datetime, timezone
from typing import Annotated

import httpx
from pydantic import BaseModel, ConfigDict, StringConstraints, ValidationError

logger = logging.getLogger(__name__)

DOSSIER_CODE = re.compile(
    r"(?<![\w.-])"  # not the tail of a longer token
    r"(?P<agency>[A-Z0-9]{1,10}(?:\.[A-Z0-9]{1,10}){1,7})"
    r"-(?P<date>\d{2}(?:0[1-9]|1[0-2])(?:0[1-9]|[12]\d|3[01]))"
    r"-(?P<sequence>\d{4,8})"
    r"(?![\w-])(?!\.[A-Z0-9])",  # a full stop ending the sentence may follow, not more of a token
    re.IGNORECASE,
)

# Something written as a code: an agency-like part (letters and digits, maybe dotted) followed by
# dash-separated numbers, dashes of any kind and with spaces around them allowed.
_CODE_LIKE = re.compile(
    r"(?<![\w.])"
    r"(?P<agency>[A-Z0-9]+(?:\.[A-Z0-9]+)*)"
    r"(?P<rest>(?:[ \t]*[-‐‑–—_][ \t]*\d+)+)"
    r"(?!\w)",
    re.IGNORECASE,
)
_LETTER = re.compile(r"[A-Z]", re.IGNORECASE)
_DIGIT = re.compile(r"\d")
_MIN_CODE_LIKE_DIGITS = 4  # after the agency part; fewer is more likely "Covid-19" than a code

_MAX_BODY = 64 * 1024


def _real_date(yymmdd: str) -> bool:
    try:
        date(2000 + int(yymmdd[:2]), int(yymmdd[2:4]), int(yymmdd[4:6]))
    except ValueError:
        return False
    return True


def find_dossier_code(text: str) -> str | None:
    """The first valid dossier code in free text, upper-cased; None when there is none."""
    for match in DOSSIER_CODE.finditer(text):
        if _real_date(match["date"]):
            return match.group(0).upper()
    return None


def looks_like_dossier_code(text: str) -> bool:
    """Whether the text holds a token meant as a dossier code that is not a valid one.

    A near miss has an agency-like part with both letters and digits, followed by dash-separated
    numbers (``G22.99-2510-7``, ``G22.99-251399-0007``, ``G22.99 - 251003 - 0007``). Valid codes,
    phone numbers, citizen ID numbers and dates are not near misses: call
    :func:`find_dossier_code` first and this one when it finds nothing.
    """
    for match in _CODE_LIKE.finditer(text):
        agency, rest = match["agency"], match["rest"]
        if not (_LETTER.search(agency) and _DIGIT.search(agency)):
            continue
        if len(_DIGIT.findall(rest)) < _MIN_CODE_LIKE_DIGITS:
            continue
        if find_dossier_code(match.group(0)) is None:
            return True
    return False


@dataclass(frozen=True)
class DossierStatus:
    """Where a dossier stands, as the province's service reports it."""

    code: str
    status: str
    updated_at: datetime | None
    agency: str | None
    due_date: date | None
    note: str | None


class DossierStatusError(Exception):
    """The dossier's status could not be given."""


class DossierNotFound(DossierStatusError):
    """The service knows no dossier with that code."""


class DossierStatusUnavailable(DossierStatusError):
    """The service could not be asked or gave an answer outside the contract."""


_Text = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1)]
_OptionalText = Annotated[str, StringConstraints(strip_whitespace=True)] | None


class _Answer(BaseModel):
    """A 200 answer of the contract; strict, so a number is not taken for a date or a text."""

    model_config = ConfigDict(extra="ignore", strict=True, frozen=True)

    code: _Text
    status: _Text
    updated_at: datetime | None = None
    agency: _OptionalText = None
    due_date: date | None = None
    note: _OptionalText = None


def _stdlib_timezone(moment: datetime | None) -> datetime | None:
    offset = moment.utcoffset() if moment is not None else None
    if moment is None or offset is None:
        return moment
    return moment.replace(tzinfo=timezone(offset))


class DossierStatusClient:
    """Asks the province's dossier-status service, over one shared HTTP client."""

    def __init__(
        self,
        url: str,
        timeout: float = 5.0,
        token: str | None = None,
        transport: httpx.AsyncBaseTransport | None = None,
    ) -> None:
        parsed = httpx.URL(url)
        if parsed.scheme not in ("http", "https") or not parsed.host:
            raise ValueError("the dossier-status URL must be an absolute http(s) URL")
        if timeout <= 0:
            raise ValueError("timeout must be positive")
        self._url = url
        self._timeout = timeout
        self._token = token
        self._transport = transport
        self._client: httpx.AsyncClient | None = None

    def __repr__(self) -> str:  # neither the token nor a query string that may hold a key
        url = httpx.URL(self._url).copy_with(query=None, fragment=None)
        return f"{type(self).__name__}(url={str(url)!r}, timeout={self._timeout!r})"

    def _http(self) -> httpx.AsyncClient:
        if self._client is None:
            headers = {"Accept": "application/json"}
            if self._token:
                headers["Authorization"] = f"Bearer {self._token}"
            self._client = httpx.AsyncClient(
                timeout=httpx.Timeout(self._timeout),
                headers=headers,
                transport=self._transport,
                follow_redirects=False,
            )
        return self._client

    async def status(self, code: str) -> DossierStatus:
        """The dossier's status; raises DossierNotFound or DossierStatusUnavailable."""
        code = code.strip().upper()
        if not code:
            raise ValueError("empty dossier code")
        logger.debug("dossier status asked for %s", code)
        try:
            # httpx bounds each phase; this bounds the whole exchange, a slow trickle included
            async with asyncio.timeout(self._timeout):
                status_code, body = await self._get(code)
        except (TimeoutError, httpx.TimeoutException) as exc:
            logger.warning("dossier-status service timed out after %ss", self._timeout)
            raise DossierStatusUnavailable("the dossier-status service timed out") from exc
        except httpx.HTTPError as exc:
            logger.warning("dossier-status service unreachable: %s", type(exc).__name__)
            raise DossierStatusUnavailable("the dossier-status service could not be reached") from exc
        if status_code == 404:
            logger.debug("dossier %s not found", code)
            raise DossierNotFound(code)
        if status_code != 200:
            logger.warning("dossier-status service answered HTTP %s", status_code)
            raise DossierStatusUnavailable(f"the dossier-status service answered HTTP {status_code}")
        if body is None:
            logger.warning("dossier-status service answered more than %s bytes", _MAX_BODY)
            raise DossierStatusUnavailable("the dossier-status answer is too large")
        try:
            answer = _Answer.model_validate_json(body)
        except ValidationError as exc:
            logger.warning(
                "dossier-status answer breaks the contract: %s",
                ", ".join(f"{'.'.join(map(str, e['loc'])) or 'body'}: {e['type']}" for e in exc.errors()),
            )
            raise DossierStatusUnavailable("the dossier-status answer breaks the contract") from exc
        if answer.code.upper() != code:
            logger.warning("dossier-status service answered for another dossier than the one asked for")
            raise DossierStatusUnavailable("the dossier-status answer is for another dossier")
        return DossierStatus(
            code=code,
            status=answer.status,
            updated_at=_stdlib_timezone(answer.updated_at),
            agency=answer.agency or None,
            due_date=answer.due_date,
            note=answer.note or None,
        )

    async def _get(self, code: str) -> tuple[int, bytes | None]:
        """The status code and the body (None when larger than the cap)."""
        async with self._http().stream("GET", self._url, params={"code": code}) as response:
            if response.status_code != 200:
                return response.status_code, b""
            body = bytearray()
            async for chunk in response.aiter_bytes():
                body += chunk
                if len(body) > _MAX_BODY:
                    return response.status_code, None
            return response.status_code, bytes(body)

    async def aclose(self) -> None:
        """Close the shared HTTP client; the next request opens a new one."""
        client, self._client = self._client, None
        if client is not None:
            await client.aclose()
