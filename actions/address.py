"""Turn an address a citizen typed into the commune/ward and province in force since 1 July 2025.

On 1 July 2025 Vietnam dropped the district level and went from 63 provinces to 34, merging
most communes and wards too. People still write the old three-level address
(``P. Bến Nghé, Q.1, tp hcm``) as often as the new two-level one (``Phường Sài Gòn, TP HCM``);
``resolve_address`` reads either and names the unit that now receives the citizen's dossier;
``resolve_area`` reads a bare old district or province and names the province it is in now.

Parsing and the 63 → 34 mapping come from the ``vietnamadminunits`` package, whose data ships
in the wheel (nothing is downloaded at run time). It is imported on first use so that
importing ``actions`` stays light; the first call takes about half a second to load it.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import Any

from rasa_sdk import Tracker

from actions import replies
from actions.guide import Guide, GuideAction
from actions.state import ADDRESS, PLACE, GuideState
from knowledge.text import clean, fold, words

logger = logging.getLogger(__name__)

# Addresses are short, and the parser's scan grows with the text (10,000 characters take ~1 s).
MAX_CHARS = 300


@dataclass(frozen=True)
class Address:
    """A commune/ward and its province as named since 1 July 2025."""

    ward: str  # full name, e.g. "Phường Sài Gòn"
    province: str  # full name, e.g. "Thành phố Hồ Chí Minh"
    old: str | None  # "ward, district, province" as the person's old-naming address had it
    changed: bool  # the ward or province name differs from the old one (the district always goes)


@dataclass(frozen=True)
class Area:
    """An old district/city (or only a province) and the province it belongs to since 1 July 2025."""

    district: str | None  # "Thành phố Thủ Dầu Một"
    old_province: str  # "Tỉnh Bình Dương"
    province: str  # "Thành phố Hồ Chí Minh"

    def text(self) -> str:
        if self.old_province != self.province:
            where = f"{self.district or self.old_province} ({self.old_province} cũ) nay thuộc {self.province}"
            if not self.district:
                where = f"{self.old_province} nay thuộc {self.province}"
        elif self.district:
            where = f"{self.district} vẫn thuộc {self.province}"
        else:
            where = f"anh/chị ở {self.province}"
        lost = "; cấp huyện không còn nữa" if self.district else ""
        return f"Theo địa giới mới, {where}{lost}. {replies.BY_NEW_NAME}"


def resolve_address(text: str) -> Address | None:
    """Resolve free text to the post-2025-07-01 commune/ward and province.

    Old naming (ward, district, province) is converted; new naming (ward, province) is taken
    as it is. Either may be accented or not, abbreviated ("P.", "Q.1", "TP", "tp hcm", "hn")
    and have a street in front.

    Returns None unless both a commune/ward and a province are found: a province alone is not
    enough, because the unit that receives a dossier is the commune. In new naming the province
    must be written too (a ward name alone, such as "Sài Gòn", is not taken). An old ward that
    was split between several new ones resolves to the one the official mapping names as its
    default. Never raises: empty, overlong, unrelated or malformed input gives None.
    """
    try:
        text = clean(text)
        if not text or len(text) > MAX_CHARS:
            return None
        return _from_old_naming(text) or _from_new_naming(text)
    except Exception as exc:  # third-party parser fed with arbitrary user text
        logger.warning("address could not be parsed: %s", type(exc).__name__)
        return None


def _from_old_naming(text: str) -> Address | None:
    from vietnamadminunits import ParseMode, convert_address, parse_address

    old = parse_address(text, mode=ParseMode.LEGACY, level=3)
    if not (old.ward and old.district and old.province):
        return None
    line = f"{old.ward}, {old.district}, {old.province}"
    # Converted without the street: for a split ward the library would geocode a street online.
    new = convert_address(line)
    if not (new.ward and new.province):
        return None
    changed = (new.ward, new.province) != (old.ward, old.province)
    return Address(ward=new.ward, province=new.province, old=line, changed=changed)


def _from_new_naming(text: str) -> Address | None:
    from vietnamadminunits import ParseMode, parse_address

    unit = parse_address(text, mode=ParseMode.FROM_2025, level=2)
    if not (unit.ward and unit.province and unit.short_ward):
        return None
    # The parser matches names inside run-together letters and infers the province from a
    # ward name found anywhere ("làm căn cước" holds "an cư"). Keep its answer only when the
    # ward's name is written as whole words and the province is still found without them.
    typed, name = words(fold(text)), words(fold(unit.short_ward))
    for start in range(len(typed) - len(name) + 1):
        if typed[start : start + len(name)] == name:
            rest = " ".join(typed[:start] + typed[start + len(name) :])
            if parse_address(rest, mode=ParseMode.FROM_2025, level=1).province == unit.province:
                return Address(ward=unit.ward, province=unit.province, old=None, changed=False)
    return None


def resolve_area(text: str) -> Area | None:
    """A bare old district/city or province ("tôi ở Thủ Dầu Một", "Bình Dương") and its province now.

    For when ``resolve_address`` finds no commune: the person then learns the province in force
    and chooses the commune by its new name. The name must be written as whole words (the parser
    also finds names inside other words: "chưa có" holds "Chũ"). Never raises.
    """
    try:
        text = clean(text)
        if not text or len(text) > MAX_CHARS:
            return None
        return _area(text)
    except Exception as exc:  # third-party parser fed with arbitrary user text
        logger.warning("area could not be parsed: %s", type(exc).__name__)
        return None


def _area(text: str) -> Area | None:
    from vietnamadminunits import ParseMode, convert_address, parse_address

    old = parse_address(text, mode=ParseMode.LEGACY, level=2)
    if not old.province:
        return None
    typed = words(fold(text))
    name = words(fold(old.short_district or old.short_province or ""))
    if not name or not any(typed[i : i + len(name)] == name for i in range(len(typed) - len(name) + 1)):
        return None
    new = convert_address(f"{old.district}, {old.province}" if old.district else old.province)
    if not new.province:
        return None
    return Area(district=old.district or None, old_province=old.province, province=new.province)


async def where_to_submit(guide: Guide, state: GuideState, text: str) -> None:
    """Name the person's new commune/ward and province; in the guide, carry on to "ready".

    What cannot be read is asked for once more (the question is never shown a third time in a
    row); a bare old district or province gives the province in force, and the guide goes on.
    """
    found = await guide.services.run_compute(resolve_address, text)
    procedure = guide.procedure(state.procedure)
    if found is None:
        area = await guide.services.run_compute(resolve_area, text)
        if area is not None:
            return guide.skip_address(state, area.text())
        if state.stage is not None and state.stage not in {ADDRESS, PLACE}:
            return guide.unclear(state)  # mid-guide, text that is no address answers nothing
        if state.stage is not None and max(state.asks, 1) >= 2:
            return guide.skip_address(state, replies.ADDRESS_UNREAD)
        return guide.ask_address(state, again=True, stage=state.stage or PLACE)
    state.address, state.address_attempts = f"{found.ward}, {found.province}", 0
    lines = [f"Theo địa giới mới (từ 1/7/2025), địa chỉ của anh/chị thuộc {state.address}."]
    if found.old and found.changed:
        lines.append(f"Tên cũ: {found.old}.")
    if procedure is not None:
        lines.append(f"Hồ sơ {procedure.name} nộp tại: {replies.agency_text(procedure, state.address)}")
    guide.say(text="\n".join(lines))
    return guide.after_address(state)


class ActionWhereToSubmit(GuideAction):
    def name(self) -> str:
        return "action_where_to_submit"

    async def move(self, guide: Guide, state: GuideState, tracker: Tracker) -> list[dict[str, Any]] | None:
        await where_to_submit(guide, state, (tracker.latest_message or {}).get("text") or "")
        return None
