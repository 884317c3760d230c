"""The police's messages to a reporter, rendered as the resident reads them (no I/O)."""

from __future__ import annotations

import unicodedata

import pytest

from bot import render
from handlers.model import RenderedReply
from handlers.notices import OUTCOMES, BadNotice, Notice, message
from handlers.tips.words import Resolution
from storage.outbox import Notice as StoredNotice

CODE = "BY-7K3F-Q9"


def shown(kind: Notice, lang: str, **params: str) -> RenderedReply:
    return render.reply(message(kind.value, CODE, params), lang)


def test_storage_and_handlers_share_one_notice_enum() -> None:
    assert StoredNotice is Notice
    assert {n.value for n in Notice} == {
        "tip.acknowledged",
        "tip.question",
        "tip.forwarded",
        "tip.extended",
        "tip.closed",
        "tip.track",  # issue 17: the procedure changed, mediation, suspension (CPC art. 148)
        "tip.mediating",
        "tip.suspended",
        "tip.resumed",
        "tip.thanked",  # issue 20: the chief thanks the reporter of a useful tip
        "broadcast.approved",  # to a leader's linked chat (handlers/chat_links.py)
        "broadcast.rejected",
        "officer.urgent_tip",  # to an officer's linked chat (storage/officer_notifications.py)
        "officer.answer",
        "officer.protection",  # a reporter asked for protection (CPC arts. 484-486)
        "officer.digest",  # the morning digest (handlers/officer_digest.py)
        "weekly.digest",  # the scams of the week (handlers/scam_week.py)
    }


@pytest.mark.parametrize("lang", ["vi", "en"])
def test_the_acknowledgement_names_the_procedure_of_an_old_row(lang: str) -> None:
    reply = shown(Notice.ACKNOWLEDGED, lang)  # an outbox row from before tracks: no track
    assert CODE in reply.text
    assert "145" not in reply.text  # the acknowledgement does not come from CPC art. 145
    if lang == "vi":
        assert "Công an xã, phường đã tiếp nhận" in reply.text
        assert "chuyển Cơ quan điều tra có thẩm quyền" in reply.text  # CPC art. 146(3)
        assert "Bộ luật Tố tụng hình sự" in reply.text
    else:
        assert "commune or ward police have received" in reply.text
        assert "competent investigation body" in reply.text
        assert "Criminal Procedure Code" in reply.text
    assert reply.choices == ()


@pytest.mark.parametrize("lang", ["vi", "en"])
def test_a_question_is_quoted_with_a_button_and_the_typed_form(lang: str) -> None:
    question = "Xe máy của người đó màu gì, biển số bao nhiêu?"
    reply = shown(Notice.QUESTION, lang, question=question, event_id="41")
    assert f"“{question}”" in reply.text
    assert [c.id for c in reply.choices] == [f"answer:{CODE}"]
    typed = "TRẢ LỜI" if lang == "vi" else "ANSWER"
    assert f"{typed} {CODE}" in reply.text  # for channels whose buttons cannot come back
    assert reply.choices[0].label == ("✍️ Trả lời" if lang == "vi" else "✍️ Answer")


def test_a_question_with_braces_is_shown_as_written() -> None:
    reply = shown(Notice.QUESTION, "vi", question="Số {tài khoản} là gì?", event_id="1")
    assert "“Số {tài khoản} là gì?”" in reply.text


@pytest.mark.parametrize(
    ("resolution", "vi_words", "en_words"),
    [
        ("handled", "đã kiểm tra và xử lý", "checked it and dealt with it"),
        ("forwarded", "Cơ quan điều tra", "investigation body"),
        ("unfounded", "không phát hiện vi phạm", "no offence was found"),
        ("insufficient", "Chưa đủ thông tin", "not enough information"),
        ("duplicate", "đã có người báo trước", "already been reported"),
        # Never "go to the People's Committee yourself" (CPC arts. 145(1), 146): passed on.
        ("not_competent", "chuyển đến cơ quan có thẩm quyền", "passed to the competent body"),
    ],
)
def test_the_outcome_in_plain_words_then_five_rating_buttons(
    resolution: str, vi_words: str, en_words: str
) -> None:
    vi = shown(Notice.CLOSED, "vi", resolution=resolution)
    en = shown(Notice.CLOSED, "en", resolution=resolution)
    assert vi_words in vi.text and en_words in en.text
    assert CODE in vi.text and "từ 1" in vi.text and "đến 5" in vi.text
    assert [c.id for c in vi.choices] == [f"rate:{CODE}:{n}" for n in range(1, 6)]
    assert [c.label.split()[0] for c in en.choices] == ["1", "2", "3", "4", "5"]
    assert resolution not in vi.text.replace("Cơ quan", "")  # no raw code shown


def test_every_resolution_has_its_own_outcome() -> None:
    assert set(OUTCOMES) == set(Resolution)


def test_an_unknown_resolution_still_reads_as_an_outcome() -> None:
    assert "Kết quả: Đã giải quyết." in shown(Notice.CLOSED, "vi", resolution="later").text


@pytest.mark.parametrize("lang", ["vi", "en"])
def test_an_extension_gives_the_new_date_day_first(lang: str) -> None:
    reply = shown(Notice.EXTENDED, lang, decision_due="2027-01-22")
    assert "22/01/2027" in reply.text and CODE in reply.text
    assert "2027-01-22" not in reply.text


@pytest.mark.parametrize("lang", ["vi", "en"])
def test_forwarding_names_no_body_and_no_officer(lang: str) -> None:
    reply = shown(Notice.FORWARDED, lang)
    assert CODE in reply.text and reply.choices == ()


@pytest.mark.parametrize("kind", list(Notice))
def test_messages_are_short_nfc_and_never_fall_back_to_an_id(kind: Notice) -> None:
    params = {"question": "Ai?", "event_id": "1", "resolution": "handled"}
    params |= {"decision_due": "2027-01-22", "excerpt": "Mất điện", "reason": "Trùng lặp"}
    params |= {"category": "fraud_phone", "deadline": "2027-01-22", "link": "/admin/tips/1"}
    params |= {"date": "2027-01-22", "new": "2", "urgent": "1", "ack_today": "0", "overdue": "0"}
    params |= {"province": "Thành phố Hà Nội", "from": "2027-01-11", "to": "2027-01-17"}
    params |= {"types": "fraud_phone=3", "indicators": "📞 0912 345 678"}
    params |= {"track": "violence", "protection": "threatened"}
    for lang in ("vi", "en"):
        reply = render.reply(message(kind.value, CODE, params), lang)
        assert unicodedata.is_normalized("NFC", reply.text)
        assert "notice." not in reply.text and "{" not in reply.text
        assert len(reply.text) < 400  # a cheap phone's screen or two


@pytest.mark.parametrize(
    ("kind", "code", "params"),
    [
        ("tip.unknown", CODE, {}),
        ("tip.question", CODE, {"question": "  "}),
        ("tip.extended", CODE, {"decision_due": "soon"}),
        ("tip.acknowledged", "not a code", {}),
    ],
)
def test_a_payload_that_does_not_fit_is_refused(
    kind: str, code: str, params: dict[str, str]
) -> None:
    with pytest.raises(BadNotice):
        message(kind, code, params)


@pytest.mark.parametrize("lang", ["vi", "en"])
def test_a_leader_reads_the_decision_on_their_notice_with_the_reason(lang: str) -> None:
    said = {"excerpt": "Mất điện tổ 5", "reason": "Trùng thông báo của xã"}
    approved = render.reply(message(Notice.BROADCAST_APPROVED, "", said), lang)
    rejected = render.reply(message(Notice.BROADCAST_REJECTED, "", said), lang)
    assert "Mất điện tổ 5" in approved.text and "Trùng" not in approved.text
    assert "Mất điện tổ 5" in rejected.text and "Trùng thông báo của xã" in rejected.text
    with pytest.raises(BadNotice):
        message(Notice.BROADCAST_REJECTED, "", {"excerpt": "Mất điện"})
