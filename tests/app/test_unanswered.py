"""Unanswered questions: kept by the question action (masked, hashed, with what the search offered),
grouped by similarity on realistic questions, and gone with the data-retention purge and forget."""

from __future__ import annotations

import asyncio
from collections import Counter
from dataclasses import replace
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import pytest

from actions.services import Candidate, CentreContact, Services, UnansweredQuestion
from app.database import Database
from app.grouper import Grouper
from app.grouping import group_questions, tfidf_vectors
from app.main import Stores
from app.privacy import sender_key
from app.settings import Settings
from app.tracker_store import EVENTS
from app.unanswered import UnansweredStore
from app.work import Work
from knowledge.search import Calibration
from knowledge.service import resolve_embedder
from knowledge.settings import KnowledgeSettings
from tests.actions.conftest import Conversation
from tests.knowledge_base import seeded_service

ROOT = Path(__file__).resolve().parents[2]
KEY = "k" * 40
SENDER = "web:0f8e2c4a"


class Clock:
    def __init__(self) -> None:
        self.now = datetime(2026, 12, 5, 8, 0, tzinfo=UTC)

    def __call__(self) -> datetime:
        return self.now


@pytest.fixture(scope="module")
def knowledge(tmp_path_factory):
    """The real knowledge base from the seed, lexical only, on a fixed day."""
    service = seeded_service(
        tmp_path_factory.mktemp("kb"), date(2026, 12, 5), Calibration(dense_weight=0.0, threshold=0.5)
    )
    yield service
    service.store.close()


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
def store(tmp_path, clock):
    database = Database(f"sqlite:///{tmp_path / 'app.db'}", KEY)
    yield UnansweredStore(database, clock)
    database.close()


@pytest.fixture
def conversation(knowledge, store):
    centre = CentreContact(
        name="Trung tâm Phục vụ hành chính công tỉnh Thử Nghiệm",
        address="Số 1 Đường Thử, phường Một, tỉnh Thử Nghiệm",
        hotline="0200 123 4567",
        hours="Thứ Hai – Thứ Sáu, 7:30–17:00",
        portal_url="https://dichvucong.example.gov.vn",
    )
    return Conversation(Services(centre=centre, knowledge=knowledge, unanswered=store), sender=SENDER)


# --- kept by the action ------------------------------------------------------------------------


async def test_an_unsure_answer_keeps_the_question_masked_with_what_the_search_offered(conversation, store):
    messages = await conversation.run(
        "action_answer_question",
        "giấy tờ nhà đất của ông bà để lại, gọi tôi 0912345678",
        intent="ask_question",
    )
    assert "chưa chắc" in conversation.text(messages)
    offered = [p for p in conversation.payloads(messages) if p.startswith("/ask_question")]

    [row] = store.all()
    assert row.text == "giấy tờ nhà đất của ông bà để lại, gọi tôi ***78", "masked again on the way in"
    assert row.outcome == "unsure"
    assert row.channel == "web"
    assert row.sender_key == sender_key(KEY, SENDER) and SENDER not in row.sender_key
    assert row.created_at.replace(tzinfo=UTC) == datetime(2026, 12, 5, 8, 0, tzinfo=UTC)
    assert len(row.candidates) >= 3
    assert all(set(c) == {"id", "slug", "title", "score"} and 0 < c["score"] < 1 for c in row.candidates)
    assert [c["score"] for c in row.candidates] == sorted((c["score"] for c in row.candidates), reverse=True)
    assert all(any(c["id"] in payload for payload in offered) for c in row.candidates[:2]), "the topics shown"
    assert row.handled_at is None


async def test_nothing_found_and_the_second_miss_are_kept_with_their_outcome(conversation, store):
    await conversation.run("action_answer_question", "zxqv wkrj", intent="nlu_fallback")
    messages = await conversation.run("action_answer_question", "giá vàng hôm nay", intent="nlu_fallback")
    assert messages[-1]["custom"] == {"handoff": {"reason": "ladder"}}, "a person at a second miss"

    nothing, contact = store.all()
    assert (nothing.text, nothing.outcome, nothing.candidates) == ("zxqv wkrj", "none", [])
    assert (contact.text, contact.outcome) == ("giá vàng hôm nay", "contact")


async def test_answered_questions_buttons_and_an_unopened_knowledge_base_are_not_kept(conversation, store):
    messages = await conversation.run(
        "action_answer_question", "đăng ký khai sinh cho con cần giấy tờ gì", intent="ask_question"
    )
    assert "Nguồn:" in conversation.text(messages)
    await conversation.run("action_answer_question", '/ask_question{"entry": "khong-co/muc-nay"}')
    closed = Conversation(replace(conversation.services, knowledge=None), sender=SENDER)
    await closed.run("action_answer_question", "làm giấy khai sinh cần gì", intent="ask_question")
    assert store.all() == []


async def test_a_store_that_fails_never_costs_the_person_the_reply(conversation):
    class Broken:
        def add(self, question):
            raise OSError("disk full")

    broken = Conversation(replace(conversation.services, unanswered=Broken()), sender=SENDER)
    messages = await broken.run(
        "action_answer_question", "giấy tờ nhà đất của ông bà để lại", intent="nlu_fallback"
    )
    assert "chưa chắc" in broken.text(messages) and len(broken.payloads(messages)) >= 2


# --- grouped by similarity ---------------------------------------------------------------------

# What citizens type: with and without tones, teencode, typos; four things asked, two asked once.
TOPICS = {
    "passport-fee": [
        "lệ phí làm hộ chiếu bao nhiêu tiền",
        "le phi lam ho chieu bao nhieu",
        "cho em hỏi lệ phí cấp hộ chiếu là bao nhiêu ạ",
        "làm hộ chiếu hết bao nhiêu tiền ạ",
        "lệ phí hộ chiếu bn vậy ad",
    ],
    "foreign-marriage": [
        "đăng ký kết hôn với người nước ngoài cần giấy tờ gì",
        "dk ket hon voi nguoi nuoc ngoai can gi",
        "kết hôn với người nước ngoài cần những giấy tờ gì ạ",
        "đăng ký kết hôn có yếu tố nước ngoài cần gì",
    ],
    "lost-licence": [
        "mất bằng lái xe thì làm lại thế nào",
        "mat bang lai xe lam lai nhu the nao",
        "bị mất giấy phép lái xe xin cấp lại thế nào ạ",
        "làm lại bằng lái xe bị mất như thế nào",
    ],
    "gold-price": ["giá vàng hôm nay bao nhiêu", "gia vang hom nay bao nhieu a", "giá vàng hôm nay thế nào"],
    "wifi": ["wifi ở trung tâm mật khẩu là gì"],
    "parking": ["có chỗ gửi xe máy ở trung tâm không"],
}


def realistic(store: UnansweredStore, clock: Clock) -> dict[int, str]:
    """The questions above in the store, an hour apart; question id -> topic."""
    topics = {}
    for number, (topic, text) in enumerate((t, q) for t, texts in TOPICS.items() for q in texts):
        candidate = Candidate(f"{topic}/entry", topic, f"Câu hỏi về {topic}", 0.3 + number / 100)
        question = UnansweredQuestion(f"tg:{number}", "tg", text, "unsure", (candidate,))
        topics[store.add(question)] = topic
        clock.now += timedelta(hours=1)
    return topics


@pytest.fixture(scope="module")
def embedder():
    """The embedder the app's search uses: the model `make index` tuned on the content."""
    return resolve_embedder(KnowledgeSettings(_env_file=None, var_dir=ROOT / "var"))


@pytest.mark.parametrize("method", ["embedding", "tfidf"])
async def test_similar_questions_are_grouped_together_and_different_ones_apart(
    method, store, clock, embedder
):
    topics = realistic(store, clock)
    with _work() as work:
        grouper = Grouper(store, work, lambda: embedder if method == "embedding" else None, clock)
        grouping, fresh = await grouper.current()
    assert fresh and grouping.method == method and grouping.grouped == len(topics)

    by_topic: dict[str, Counter] = {}
    for group in grouping.groups:
        kinds = {topics[i] for i in group.question_ids}
        assert len(kinds) == 1, f"{group.examples} mixes {kinds}"
        by_topic.setdefault(kinds.pop(), Counter())[group.id] = group.count
    for topic, texts in TOPICS.items():
        assert max(by_topic[topic].values()) >= len(texts) - 1, f"{topic} split: {by_topic[topic]}"
    largest = grouping.groups[0]
    assert largest.count == len(TOPICS["passport-fee"]) and topics[largest.question_ids[0]] == "passport-fee"
    assert largest.first_seen == datetime(2026, 12, 5, 8, 0, tzinfo=UTC)
    assert largest.last_seen == datetime(2026, 12, 5, 12, 0, tzinfo=UTC)
    assert largest.id == f"g{min(largest.question_ids)}"
    assert 1 <= len(largest.examples) <= 5 and set(largest.examples) <= set(TOPICS["passport-fee"])
    [candidate] = largest.candidates
    assert (candidate.id, candidate.questions) == ("passport-fee/entry", 5)
    assert candidate.score == pytest.approx(0.32, abs=1e-6), "the mean of the scores it was offered with"
    assert [g.count for g in grouping.groups] == sorted((g.count for g in grouping.groups), reverse=True)


class _work:
    """The app's worker pools for one test."""

    def __enter__(self) -> Work:
        self.work = Work(4, 10, 2)
        return self.work

    def __exit__(self, *exc: object) -> None:
        self.work.close()


async def test_the_grouping_is_kept_until_questions_arrive_and_handled_ones_leave(store, clock):
    realistic(store, clock)
    with _work() as work:
        grouper = Grouper(store, work, lambda: None, clock)
        first, _ = await grouper.current()
        again, fresh = await grouper.current()
        assert again is first and fresh, "nothing new: the same grouping, not computed again"

        store.add(UnansweredQuestion("tg:99", "tg", "lệ phí cấp hộ chiếu phổ thông bao nhiêu", "none"))
        stale, fresh = await grouper.current()
        assert stale is first and not fresh, "a new question: the last grouping at once, a new one under way"
        newer, fresh = await grouper.current(wait=True)
        assert fresh and newer.grouped == first.grouped + 1
        assert newer.groups[0].count == len(TOPICS["passport-fee"]) + 1
        assert newer.groups[0].id == first.groups[0].id, "a group keeps its id while its first question stays"

        passport = newer.groups[0]
        assert store.mark_handled(passport.question_ids, "lan") == len(passport.question_ids)
        grouper.handled(passport.id)
        assert grouper.latest.group(passport.id) is None
        after, _ = await grouper.current(wait=True)
        assert all(g.id != passport.id for g in after.groups)
        assert after.grouped == newer.grouped - passport.count

        store.add(UnansweredQuestion("tg:100", "tg", "lệ phí làm hộ chiếu bao nhiêu tiền", "unsure"))
        latest, _ = await grouper.current(wait=True)
        [again] = [g for g in latest.groups if "lệ phí làm hộ chiếu bao nhiêu tiền" in g.examples]
        assert again.count == 1 and again.id != passport.id, "a similar question later starts a new group"


async def test_vectors_are_kept_so_a_restart_does_not_encode_again(store, clock, embedder):
    realistic(store, clock)
    calls = []

    class Counting:
        identity = embedder.identity

        def encode(self, texts):
            calls.append(len(texts))
            return embedder.encode(texts)

    with _work() as work:
        first, _ = await Grouper(store, work, Counting, clock).current()
        assert sum(calls) == first.grouped
        restarted, _ = await Grouper(store, work, Counting, clock).current()
    assert sum(calls) == first.grouped, "read back, not encoded again"
    assert [g.question_ids for g in restarted.groups] == [g.question_ids for g in first.groups]


def test_questions_that_normalise_alike_are_one_point_and_examples_are_distinct(store, clock):
    for number, text in enumerate(
        ["Lệ phí hộ chiếu?", "le phi ho chieu", "lệ phí hộ chiếu", "LỆ PHÍ HỘ CHIẾU!!"]
    ):
        store.add(UnansweredQuestion(f"tg:{number}", "tg", text, "none"))
    questions = store.pending(100)
    [group] = group_questions(questions, tfidf_vectors([q.text for q in questions]), 0.45)
    assert group.count == 4 and len(group.examples) == 1
    assert group.question == "Lệ phí hộ chiếu?", "with its tones, the first of equals"


# --- retention ---------------------------------------------------------------------------------


def app_stores(tmp_path: Path, clock: Clock) -> tuple[Stores, object]:
    settings = Settings(_env_file=None, var_dir=tmp_path, app_secret_key=KEY, data_retention_days=90)
    stores = Stores.open(settings, clock)
    EVENTS.metadata.create_all(stores.tracker.engine)  # the columns Rasa's SQL tracker store has
    return stores, stores.retention(settings, clock)


def test_the_purge_deletes_questions_older_than_the_retention_window(tmp_path, clock):
    stores, retention = app_stores(tmp_path, clock)
    stores.unanswered.add(UnansweredQuestion("tg:1", "tg", "câu hỏi cũ", "none"))
    clock.now += timedelta(days=60)
    stores.unanswered.add(UnansweredQuestion("tg:2", "tg", "câu hỏi mới", "none"))
    old_handled = stores.unanswered.add(UnansweredQuestion("tg:3", "tg", "đã xử lý", "none"))
    stores.unanswered.mark_handled([old_handled], "lan")
    clock.now += timedelta(days=31)
    stores.unanswered.add(UnansweredQuestion("tg:4", "tg", "hôm nay", "none"))

    counts = retention.purge()
    assert counts["unanswered"] == 1
    assert [row.text for row in stores.unanswered.all()] == ["câu hỏi mới", "đã xử lý", "hôm nay"]
    clock.now += timedelta(days=60)
    assert retention.purge()["unanswered"] == 2, "handled or not, a question goes with its age"
    stores.close()


def test_forget_erases_one_persons_questions(tmp_path, clock):
    stores, retention = app_stores(tmp_path, clock)
    for sender, text in (("zalo:77", "một"), ("tg:5", "hai"), ("zalo:77", "ba")):
        stores.unanswered.add(UnansweredQuestion(sender, sender.split(":")[0], text, "unsure"))
    counts = retention.forget("zalo:77")
    assert counts["unanswered"] == 2
    assert [row.text for row in stores.unanswered.all()] == ["hai"]
    stores.close()


def test_the_store_refuses_an_unknown_outcome(store):
    with pytest.raises(ValueError, match="outcome"):
        store.add(UnansweredQuestion("tg:1", "tg", "câu hỏi", "answered"))  # type: ignore[arg-type]


async def test_the_question_is_written_through_the_io_threads(conversation, store):
    written = []

    async def io(function, *args):
        written.append(function)
        return await asyncio.to_thread(function, *args)

    recording = Conversation(replace(conversation.services, run_io=io), sender=SENDER)
    await recording.run("action_answer_question", "giá vàng hôm nay", intent="nlu_fallback")
    assert written == [store.add] and len(store.all()) == 1
