"""resolve_address: old (district) and new (2025) naming to the commune/ward and province in force.

Expected values are those of the official 2025 mapping shipped in vietnamadminunits 1.0.4
(checked against its data files). Every test runs with outgoing connections refused: the
resolver must work offline.
"""

from __future__ import annotations

import socket
import subprocess
import sys
import unicodedata
from pathlib import Path

import pytest

from actions.address import Address, Area, resolve_address, resolve_area

ROOT = Path(__file__).resolve().parents[2]
HCM = "Thành phố Hồ Chí Minh"
HN = "Thành phố Hà Nội"


@pytest.fixture(autouse=True)
def offline(monkeypatch: pytest.MonkeyPatch) -> None:
    def refuse(*args: object, **kwargs: object) -> None:
        raise OSError("network access attempted in an offline test")

    monkeypatch.setattr(socket.socket, "connect", refuse)
    monkeypatch.setattr(socket, "create_connection", refuse)


def test_old_hcmc_address_gets_its_new_ward() -> None:
    assert resolve_address("Phường Bến Nghé, Quận 1, Thành phố Hồ Chí Minh") == Address(
        ward="Phường Sài Gòn",
        province=HCM,
        old="Phường Bến Nghé, Quận 1, Thành phố Hồ Chí Minh",
        changed=True,
    )


def test_new_address_is_unchanged() -> None:
    assert resolve_address("Phường Sài Gòn, Thành phố Hồ Chí Minh") == Address(
        ward="Phường Sài Gòn", province=HCM, old=None, changed=False
    )


@pytest.mark.parametrize(
    ("text", "ward", "province", "old"),
    [
        (
            "phuong ben nghe quan 1 tphcm",
            "Phường Sài Gòn",
            HCM,
            "Phường Bến Nghé, Quận 1, Thành phố Hồ Chí Minh",
        ),
        (
            "12 Nguyễn Huệ, P. Bến Nghé, Q.1, tp hcm",
            "Phường Sài Gòn",
            HCM,
            "Phường Bến Nghé, Quận 1, Thành phố Hồ Chí Minh",
        ),
        (
            "P. Phúc Xá, Q. Ba Đình, HN",
            "Phường Hồng Hà",
            HN,
            "Phường Phúc Xá, Quận Ba Đình, Thành phố Hà Nội",
        ),
        (
            "so 1 ngo 2, phuong dien bien, quan ba dinh, hn",
            "Phường Ba Đình",
            HN,
            "Phường Điện Biên, Quận Ba Đình, Thành phố Hà Nội",
        ),
        (
            "Phuong Hang Trong, Quan Hoan Kiem, Ha Noi",
            "Phường Hoàn Kiếm",
            HN,
            "Phường Hàng Trống, Quận Hoàn Kiếm, Thành phố Hà Nội",
        ),
    ],
)
def test_old_naming_unaccented_or_abbreviated(text: str, ward: str, province: str, old: str) -> None:
    assert resolve_address(text) == Address(ward=ward, province=province, old=old, changed=True)


@pytest.mark.parametrize(
    ("text", "ward", "province"),
    [
        ("phuong sai gon, tp hcm", "Phường Sài Gòn", HCM),
        ("12 Lê Lợi, Phường Bến Thành, TP HCM", "Phường Bến Thành", HCM),
        ("nhà tôi ở phường sài gòn tp hồ chí minh", "Phường Sài Gòn", HCM),
        ("P. Hà Giang 1, tỉnh Tuyên Quang", "Phường Hà Giang 1", "Tỉnh Tuyên Quang"),
        ("xa bat trang, ha noi", "Xã Bát Tràng", HN),
    ],
)
def test_new_naming_variants(text: str, ward: str, province: str) -> None:
    assert resolve_address(text) == Address(ward=ward, province=province, old=None, changed=False)


@pytest.mark.parametrize(
    ("text", "ward", "province", "old"),
    [
        (
            "Phường Phú Cường, TP Thủ Dầu Một, tỉnh Bình Dương",
            "Phường Thủ Dầu Một",
            HCM,
            "Phường Phú Cường, Thành phố Thủ Dầu Một, Tỉnh Bình Dương",
        ),
        (
            "Phường Minh Khai, TP Hà Giang, tỉnh Hà Giang",
            "Phường Hà Giang 2",
            "Tỉnh Tuyên Quang",
            "Phường Minh Khai, Thành phố Hà Giang, Tỉnh Hà Giang",
        ),
        (
            "Phường 1, TP Vũng Tàu, Bà Rịa - Vũng Tàu",
            "Phường Vũng Tàu",
            HCM,
            "Phường 1, Thành phố Vũng Tàu, Tỉnh Bà Rịa - Vũng Tàu",
        ),
        (
            "Phường Trần Hưng Đạo, TP Nam Định, tỉnh Nam Định",
            "Phường Nam Định",
            "Tỉnh Ninh Bình",
            "Phường Trần Hưng Đạo, Thành phố Nam Định, Tỉnh Nam Định",
        ),
    ],
)
def test_merged_provinces(text: str, ward: str, province: str, old: str) -> None:
    assert resolve_address(text) == Address(ward=ward, province=province, old=old, changed=True)


def test_old_ward_that_kept_its_name_is_not_changed() -> None:
    assert resolve_address("Phường Tân Định, Quận 1, TP HCM") == Address(
        ward="Phường Tân Định",
        province=HCM,
        old="Phường Tân Định, Quận 1, Thành phố Hồ Chí Minh",
        changed=False,
    )


def test_split_ward_with_a_street_takes_the_default_without_geocoding() -> None:
    # Đa Kao went partly to Phường Sài Gòn (the default) and partly to Phường Tân Định.
    address = resolve_address("15 Đinh Tiên Hoàng, Phường Đa Kao, Quận 1, TP HCM")
    assert address is not None
    assert (address.ward, address.old) == ("Phường Sài Gòn", "Phường Đa Kao, Quận 1, Thành phố Hồ Chí Minh")


def test_decomposed_unicode_input() -> None:
    nfd = unicodedata.normalize("NFD", "Phường Bến Nghé, Quận 1, TP HCM")
    assert resolve_address(nfd) == resolve_address("Phường Bến Nghé, Quận 1, TP HCM")


@pytest.mark.parametrize("text", ["Hà Nội", "tp hcm", "Tỉnh Tuyên Quang", "Quận 1, TP HCM"])
def test_province_or_district_alone_is_not_enough(text: str) -> None:
    assert resolve_address(text) is None


@pytest.mark.parametrize("text", ["tôi ở Sài Gòn", "xã Bát Tràng"])
def test_new_ward_without_a_province_is_not_taken(text: str) -> None:
    assert resolve_address(text) is None


@pytest.mark.parametrize(
    "text",
    [
        "",
        "   ",
        "🙂🙂🙂",
        "<script>alert(1)</script>",
        "\x00\x1b[31m",
        "tôi muốn làm căn cước",
        "tôi muốn làm căn cước ở Hà Nội",
        "a" * 10_000,
        "Phường Sài Gòn, TP HCM " * 50,
    ],
)
def test_garbage_gives_none(text: str) -> None:
    assert resolve_address(text) is None


@pytest.mark.parametrize(
    ("text", "area"),
    [
        ("tôi ở Thủ Dầu Một", Area("Thành phố Thủ Dầu Một", "Tỉnh Bình Dương", HCM)),
        ("thu dau mot binh duong", Area("Thành phố Thủ Dầu Một", "Tỉnh Bình Dương", HCM)),
        ("quận 3", Area("Quận 3", HCM, HCM)),
        ("Q.Bình Thạnh", Area("Quận Bình Thạnh", HCM, HCM)),
        ("nhà mình ở Bình Dương", Area(None, "Tỉnh Bình Dương", HCM)),
        ("Hà Nội", Area(None, HN, HN)),
    ],
)
def test_a_bare_old_district_or_province_gives_the_province_in_force(text: str, area: Area) -> None:
    assert resolve_address(text) is None
    assert resolve_area(text) == area


def test_area_names_the_change_for_the_person() -> None:
    area = resolve_area("Thủ Dầu Một")
    assert area is not None
    assert area.text().startswith(
        "Theo địa giới mới, Thành phố Thủ Dầu Một (Tỉnh Bình Dương cũ) nay thuộc Thành phố Hồ Chí Minh; "
        "cấp huyện không còn nữa."
    )


@pytest.mark.parametrize(
    # "chưa có" holds the letters of "Chũ" (Bắc Giang): names must be whole words.
    "text",
    ["", "ok", "chưa có", "không biết", "tiếp theo", "xong rồi", "bỏ qua", "gần chợ Bến Thành", "a" * 400],
)
def test_replies_that_name_no_place_give_no_area(text: str) -> None:
    assert resolve_area(text) is None


def test_non_string_gives_none() -> None:
    assert resolve_address(None) is None  # type: ignore[arg-type]
    assert resolve_area(None) is None  # type: ignore[arg-type]


def test_importing_the_module_does_not_load_the_library() -> None:
    code = "import sys, actions.address; assert 'vietnamadminunits' not in sys.modules"
    subprocess.run([sys.executable, "-c", code], cwd=ROOT, check=True, timeout=120)
