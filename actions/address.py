"""Turn an address a citizen typed into the commune/ward and province in force since 1 July 2025.

On 1 July 2025 Vietnam dropped the district level and went from 63 provinces to 34, merging
most communes and wards too. People still write the old three-level address
(``P. Bến Nghé, Q.1, tp hcm``) as often as the new two-level one (``Phường Sài Gòn, TP HCM``);
``resolve_address`` reads either and names the unit that now receives the citizen's dossier.

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


async def where_to_submit(guide: Guide, state: GuideState, text: str) -> None:
    """Name the person's new commune/ward and province; in the guide, carry on to "ready"."""
    found = await guide.services.run_compute(resolve_address, text)
    procedure = guide.procedure(state.procedure)
    in_guide = state.stage == ADDRESS and procedure is not None and state.step is None
    if found is None:
        state.address_attempts += 1
        if state.address_attempts < 2:
            if state.stage is None:
                state.stage = PLACE
            guide.say(
                text=(
                    "Tôi chưa nhận ra địa chỉ này. Anh/chị nhắn lại gồm xã/phường và tỉnh/thành phố "
                    "(tên cũ thì thêm quận/huyện), ví dụ: phường Bến Nghé, quận 1, TP Hồ Chí Minh."
                ),
                buttons=[{"title": "Bỏ qua", "payload": "/deny"}],
            )
            return
        guide.say(
            text="Tôi vẫn chưa xác định được đơn vị hành chính. Khi nộp, anh/chị chọn đúng xã/phường nơi "
            "cư trú theo tên mới (từ 1/7/2025)."
        )
    else:
        state.address, state.address_attempts = f"{found.ward}, {found.province}", 0
        unit = f"{found.ward}, {found.province}"
        lines = [f"Theo địa giới mới (từ 1/7/2025), địa chỉ của anh/chị thuộc {unit}."]
        if found.old and found.changed:
            lines.append(f"Tên cũ: {found.old}.")
        if procedure is not None:
            lines.append(f"Hồ sơ {procedure.name} nộp tại: {replies.agency_text(procedure, state.address)}")
        guide.say(text="\n".join(lines))
    if in_guide:
        guide.ready(state)
    elif state.stage in {ADDRESS, PLACE}:
        state.stage = None
    else:
        guide.remind(state)


class ActionWhereToSubmit(GuideAction):
    def name(self) -> str:
        return "action_where_to_submit"

    async def move(self, guide: Guide, state: GuideState, tracker: Tracker) -> list[dict[str, Any]] | None:
        await where_to_submit(guide, state, (tracker.latest_message or {}).get("text") or "")
        return None
