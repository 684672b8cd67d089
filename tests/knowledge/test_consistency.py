"""The contradiction check: small synthetic procedures with each kind, and the real seed, clean."""

from __future__ import annotations

import shutil
from datetime import date
from pathlib import Path

import pytest
import yaml

from knowledge.consistency import amounts, check, days, topics_of
from knowledge.models import FaqEntry, Procedure
from knowledge.seed import CONTENT, load_seed
from knowledge.store import seed_entries

PORTAL = "https://dichvucong.gov.vn/tra-cuu-thu-tuc"


def procedure(slug: str, fees: list[dict], processing_time: str = "3 ngày làm việc.", **extra) -> Procedure:
    return Procedure.model_validate(
        {
            "slug": slug, "kind": "procedure", "name": f"Thủ tục {slug}", "group": "Thử nghiệm",
            "aliases": [slug], "summary": "Một thủ tục để thử.",
            "agency": {"receiving": "Công an cấp xã", "deciding": "Công an cấp xã"},
            "who": "Công dân.", "documents": [{"name": "Tờ khai", "kind": "electronic"}],
            "processing_time": processing_time, "fees": fees,
            "online": {"level": "full", "portal": "Cổng Dịch vụ công quốc gia", "url": PORTAL},
            "steps": [{"instruction": "Đăng nhập."}], "result_delivery": "Thông báo trên VNeID.",
            "sources": [{"title": "Cổng", "url": PORTAL}], "reviewed": "2026-12-04", **extra,
        }
    )  # fmt: skip


def faq(entry_id: str, question: str, answer: str, **window) -> FaqEntry:
    phrasings = [f"{question} 1", f"{question} 2", f"{question} 3"]
    return FaqEntry(
        id=entry_id, question=question, phrasings=phrasings, answer=answer, source=PORTAL, **window
    )


RESIDENCE_FEES = [
    {"text": "20.000 đồng khi nộp trực tiếp.", "applies": "in_person"},
    {"text": "10.000 đồng khi nộp trực tuyến.", "applies": "online"},
]


# --- reading figures ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Lệ phí 25.000 đồng.", {25_000}),
        ("Lệ phí 25,000 đ một lần.", {25_000}),
        ("chỉ mất 25 nghìn lệ phí", {25_000}),
        ("khoảng 1,5 triệu đồng", {1_500_000}),
        ("ô tô 14.000.000 đồng ở Hà Nội", {14_000_000}),
        ("khoảng 570.000–860.000 đồng/giấy", {570_000, 860_000}),
        ("Được miễn lệ phí.", {0}),
        ("Không mất phí, lệ phí.", {0}),
        ("Người ở miền núi nộp như nơi khác.", set()),
        ("Hẹn trả ngày 31/12/2026.", set()),
    ],
)
def test_amounts_are_read_as_people_write_them(text, expected):
    assert amounts(text) == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Không quá 8 ngày làm việc.", {8}),
        ("trong ba ngày làm việc", {3}),
        ("Nửa ngày làm việc nếu đã có dữ liệu; tối đa 3 ngày.", {0.5, 3}),
        ("Nộp sau ngày 31/12/2026 thì mức mới.", set()),
    ],
)
def test_day_counts_are_read_as_people_write_them(text, expected):
    assert days(text) == expected


def test_what_an_faq_entry_is_about_comes_from_its_id_then_its_question():
    assert topics_of(faq("x/le-phi-2027", "Hỏi gì cũng được?", "…")) == {"fee"}
    assert topics_of(faq("x/thoi-gian-le-phi", "Hỏi?", "…")) == {"fee", "time"}
    assert topics_of(faq("x/thoi-han", "Sinh con bao lâu thì phải đăng ký?", "…")) == set()
    assert topics_of(faq("x/khan-cap", "Làm gấp mất bao lâu?", "…")) == {"time"}
    assert topics_of(faq("x/muc-huong", "Rút một lần được bao nhiêu tiền?", "…")) == set()
    assert topics_of(faq("x/gia-tri", "Giấy xác nhận có giá trị bao lâu?", "…")) == set()


# --- figures: an FAQ answer against its procedure ------------------------------------------------


def test_a_fee_answer_that_states_another_amount_is_reported_with_both_statements():
    answer = "Nộp trực tuyến 15.000 đồng. Nộp trực tiếp 20.000 đồng."
    [found] = check([procedure("tam-tru", RESIDENCE_FEES)], [faq("tam-tru/le-phi", "Lệ phí?", answer)])

    assert (found.kind, found.slug) == ("amount", "tam-tru")
    assert "15.000 đồng" in found.detail and "online" in found.detail
    assert (found.first.where, found.first.text) == ("faq tam-tru/le-phi", "Nộp trực tuyến 15.000 đồng.")
    assert (found.second.where, found.second.text) == (
        "procedures/tam-tru.yml fees[1]",
        "10.000 đồng khi nộp trực tuyến.",
    )
    assert "faq tam-tru/le-phi" in str(found) and "fees[1]" in str(found)


def test_the_way_of_filing_decides_which_fees_an_answer_is_compared_with():
    fees = [procedure("tam-tru", RESIDENCE_FEES)]
    swapped = faq("tam-tru/le-phi", "Lệ phí?", "Nộp trực tiếp 10.000 đồng, rẻ hơn.")
    right = faq("tam-tru/le-phi", "Lệ phí?", "Nộp trực tuyến 10.000 đồng; nộp trực tiếp 20.000 đồng.")
    either = faq(
        "tam-tru/le-phi",
        "Lệ phí?",
        "Mức thường: 20.000 đồng khi nộp trực tiếp, 10.000 đồng khi nộp trực tuyến.",
    )

    [found] = check(fees, [swapped])
    assert "10.000 đồng" in found.detail and "in person" in found.detail
    assert check(fees, [right]) == [] and check(fees, [either]) == []


def test_an_online_filer_told_a_fee_where_the_procedure_waives_it_is_reported():
    company = procedure(
        "dang-ky-doanh-nghiep",
        [
            {"text": "Nộp qua mạng: miễn lệ phí đăng ký.", "applies": "online"},
            {"text": "Nộp trực tiếp hồ sơ giấy: 25.000 đồng.", "applies": "in_person"},
        ],
    )
    told = faq("dang-ky-doanh-nghiep/le-phi", "Lệ phí?", "Đăng ký qua mạng thì lệ phí là 25.000 đồng.")

    [found] = check([company], [told])
    assert "25.000 đồng" in found.detail and found.second.text == "Nộp qua mạng: miễn lệ phí đăng ký."


def test_a_time_answer_that_states_another_day_count_is_reported():
    passport = procedure(
        "ho-chieu",
        [{"text": "Xem trang thủ tục.", "applies": "both"}],
        processing_time="Không quá 8 ngày làm việc tại Công an tỉnh; không quá 5 ngày làm việc tại Cục.",
    )
    wrong = faq("ho-chieu/thoi-gian", "Làm hộ chiếu bao lâu?", "Làm hộ chiếu mất 3 ngày làm việc ở mọi nơi.")
    right = faq(
        "ho-chieu/thoi-gian", "Làm hộ chiếu bao lâu?", "Không quá 8 ngày làm việc ở tỉnh, 5 ngày ở Cục."
    )

    [found] = check([passport], [wrong])
    assert (found.kind, found.second.where) == ("days", "procedures/ho-chieu.yml processing_time")
    assert "3 ngày" in found.detail
    assert check([passport], [right]) == []


def test_only_statements_whose_validity_windows_overlap_are_compared():
    halved = procedure(
        "can-cuoc",
        [
            {"text": "Cấp đổi 25.000 đồng (giảm 50%).", "applies": "both", "valid_until": "2026-12-31"},
            {"text": "Cấp đổi 50.000 đồng.", "applies": "both", "valid_from": "2027-01-01"},
        ],
    )
    stale = faq("can-cuoc/le-phi-2027", "Lệ phí?", "Cấp đổi 25.000 đồng.", valid_from=date(2027, 1, 1))
    this_year = faq("can-cuoc/le-phi", "Lệ phí?", "Cấp đổi 25.000 đồng.", valid_until=date(2026, 12, 31))
    history = faq(
        "can-cuoc/le-phi-2027",
        "Lệ phí?",
        "Mức 25.000 đồng chỉ áp dụng đến hết 31/12/2026. Nay cấp đổi 50.000 đồng.",
        valid_from=date(2027, 1, 1),
    )

    [found] = check([halved], [stale])
    assert found.second.text == "Cấp đổi 50.000 đồng."
    assert check([halved], [this_year]) == [] and check([halved], [history]) == []


def test_answers_about_other_things_and_figures_the_procedure_never_states_are_left_alone():
    birth = procedure(
        "khai-sinh",
        [{"text": "Đăng ký quá hạn: lệ phí do tỉnh quy định.", "applies": "both"}],
        processing_time="Trong ngày; nhận sau 15 giờ thì trả ngày làm việc tiếp theo.",
    )
    deadline = faq("khai-sinh/thoi-han", "Bao lâu phải đăng ký?", "Trong 60 ngày kể từ ngày sinh.")
    province = faq("khai-sinh/le-phi", "Lệ phí?", "Quá hạn thì theo mức của tỉnh, ví dụ Hà Nội 5.000 đồng.")

    assert check([birth], [deadline, province]) == []


def test_figures_in_a_caveat_count_as_stated():
    confirmation = procedure(
        "xac-nhan",
        [{"text": "Không thu lệ phí.", "applies": "both"}],
        processing_time="1 ngày làm việc; tối đa 3 ngày làm việc nếu cần xác minh.",
        caveats=["Trang thủ tục cũ ghi 5 ngày làm việc khi phải xác minh ở nơi khác."],
    )
    answer = faq(
        "xac-nhan/thoi-gian",
        "Mất bao lâu?",
        "1 ngày làm việc; khi xác minh ở nơi khác có thể 5 ngày làm việc.",
    )

    assert check([confirmation], [answer]) == []


# --- applies: one fee, one way of filing ---------------------------------------------------------

COPY = "Bản sao (nếu xin thêm) 8.000 đồng/bản. Được miễn nếu có tài khoản định danh mức 2."


def test_the_same_fee_text_under_two_applies_values_is_reported():
    births = [
        procedure("khai-sinh", [{"text": COPY, "applies": "both"}]),
        procedure("lien-thong-khai-sinh", [{"text": COPY, "applies": "online"}]),
    ]
    [found] = check(births, [])

    assert (found.kind, found.slug) == ("applies", "khai-sinh / lien-thong-khai-sinh")
    assert "both" in found.detail and "online" in found.detail
    assert found.first.where == "procedures/khai-sinh.yml fees[0]"
    assert found.second.where == "procedures/lien-thong-khai-sinh.yml fees[0]"


def test_a_waiver_of_one_instrument_marked_both_in_one_place_and_online_in_another_is_reported():
    waiver = "Miễn lệ phí cho người có định danh mức 2 (Thông tư 117/2026/TT-BTC)."
    card = procedure("can-cuoc", [{"text": waiver, "applies": "online"}])
    passport = procedure(
        "ho-chieu",
        [{"text": "Miễn lệ phí hộ chiếu cho công dân số (Thông tư 117/2026/TT-BTC).", "applies": "both"}],
    )
    [found] = check([card, passport], [])

    assert found.kind == "applies" and "117/2026/TT-BTC" in found.detail
    assert {found.first.where, found.second.where} == {
        "procedures/can-cuoc.yml fees[0]",
        "procedures/ho-chieu.yml fees[0]",
    }


def test_an_faq_sentence_that_grants_a_waiver_another_way_of_filing_is_reported():
    card = procedure(
        "can-cuoc",
        [{"text": "Miễn lệ phí khi nộp trực tuyến (Thông tư 117/2026/TT-BTC).", "applies": "online"}],
    )
    said = faq(
        "can-cuoc/le-phi", "Lệ phí?", "Nộp trực tiếp cũng được miễn lệ phí (Thông tư 117/2026/TT-BTC)."
    )
    agrees = faq(
        "can-cuoc/le-phi", "Lệ phí?", "Nộp trực tuyến thì được miễn lệ phí (Thông tư 117/2026/TT-BTC)."
    )

    [found] = check([card], [said])
    assert (found.kind, found.second.where) == ("applies", "faq can-cuoc/le-phi")
    assert check([card], [agrees]) == []


def test_a_reduction_of_one_instrument_may_apply_differently_per_procedure():
    card = procedure(
        "can-cuoc",
        [{"text": "Cấp đổi 25.000 đồng (giảm 50% theo Thông tư 64/2025/TT-BTC).", "applies": "both"}],
    )
    company = procedure(
        "doanh-nghiep",
        [
            {
                "text": "Nộp trực tiếp: 25.000 đồng (giảm 50% theo Thông tư 64/2025/TT-BTC).",
                "applies": "in_person",
            },
            {"text": "Nộp qua mạng: miễn lệ phí.", "applies": "online"},
        ],
    )
    assert check([card, company], []) == []


# --- the real content ----------------------------------------------------------------------------


def test_the_real_seed_has_no_contradictions():
    seed = load_seed()
    findings = check(seed.procedures.values(), seed.faq, seed.faq_slug)
    assert findings == [], "\n\n".join(map(str, findings))


@pytest.fixture
def contradicted(tmp_path) -> Path:
    """A copy of the real content whose passport time answer says 10 working days at the province."""
    copy = tmp_path / "content"
    shutil.copytree(CONTENT, copy)
    path = copy / "faq" / "cap-ho-chieu-pho-thong.yml"
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    [entry] = [e for e in data["entries"] if e["id"] == "cap-ho-chieu-pho-thong/thoi-gian"]
    assert "Không quá 8 ngày làm việc" in entry["answer"]
    entry["answer"] = entry["answer"].replace("Không quá 8 ngày làm việc", "Không quá 10 ngày làm việc")
    path.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    return copy


def test_a_real_answer_edited_to_contradict_its_procedure_is_caught(contradicted):
    seed = load_seed(contradicted)
    [found] = check(seed.procedures.values(), seed.faq, seed.faq_slug)

    assert (found.kind, found.slug, found.first.where) == (
        "days",
        "cap-ho-chieu-pho-thong",
        "faq cap-ho-chieu-pho-thong/thoi-gian",
    )
    assert "10 ngày" in found.detail and "8 ngày làm việc" in found.second.text


def test_the_stores_entries_are_checked_like_the_seeds(contradicted):
    seed = load_seed(contradicted)
    from_store = check(seed.procedures.values(), seed_entries(seed))  # topics are skipped, slugs read

    assert [str(f) for f in from_store] == [
        str(f) for f in check(seed.procedures.values(), seed.faq, seed.faq_slug)
    ]
