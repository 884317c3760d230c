"""What a resident is told on each track (issue 17): the receipt after a tip, the police's
notices, "my tips", the consent; and the reporter's request for protection (CPC arts.
484-486), by a button or by saying they are threatened. In memory, through the dispatcher."""

from __future__ import annotations

import unicodedata
from datetime import UTC, date, datetime

import pytest

from bot import render
from content import legal
from content.i18n import translate
from handlers.model import Kind
from handlers.mytips import _line, detail
from handlers.notices import BadNotice, Notice, message
from handlers.report.threat import Threat, threatened, who_threatened
from handlers.tipmodel import TimelineEntry, TipView
from handlers.tips.words import OUTCOMES, Resolution, TipStatus, Track
from tests.conftest import Chat, memory_of
from tests.fakes.memory_db import StoredTip

CODE = "BY-7K3F-Q9"
DESCRIPTION = ("Nhà bên cạnh xây tường lấn sang đất nhà tôi", "hai nhà cãi nhau mấy tuần nay")


async def start(chat: Chat, category: str) -> None:
    await chat.onboard()
    await chat.pick("menu:tip")
    if "tip:consent_yes" in chat.choices:
        await chat.pick("tip:consent_yes")
    await chat.pick(f"cat:{category}")
    assert "tip:done" not in chat.choices, chat.text  # at the description


async def describe(chat: Chat, *lines: str) -> None:
    for line in lines:
        await chat.say(line)
    await chat.pick("tip:done")
    assert "when:today" in chat.choices, chat.text


async def to_identity(chat: Chat) -> None:
    await chat.pick("when:today")
    await chat.say("Số 12 ngõ 5 phố Đội Cấn")
    await chat.pick("tip:media_done")
    await chat.pick("tip:details_no")
    assert "id:named_secret" in chat.choices, chat.text


async def named(chat: Chat, choice: str = "id:named") -> str:
    await chat.pick(choice)
    await chat.say("Nguyễn Văn An")
    text = await chat.say("0912 345 678")
    assert "tip:confirm" in chat.choices, text
    return text


async def sent(chat: Chat, category: str, *lines: str) -> str:
    await start(chat, category)
    await describe(chat, *(lines or DESCRIPTION))
    await to_identity(chat)
    await named(chat)
    return await chat.pick("tip:confirm")


def only_tip(chat: Chat) -> StoredTip:
    [tip] = memory_of(chat.dispatcher).all_tips()
    return tip


def calls(chat: Chat) -> list[str]:
    return [phone for reply in chat.last for _label, phone in reply.calls]


# -- the receipt --------------------------------------------------------------------------------


async def test_a_neighbourhood_dispute_is_promised_mediation_and_no_twenty_days(
    chat: Chat,
) -> None:
    text = await sent(chat, "neighbourhood_dispute")
    assert "hòa giải ở cơ sở" in text and "26/11/2026" in text  # 3 working days
    assert "20 ngày" not in text and "Tố tụng hình sự" not in text
    assert "giải quyết trước ngày" not in text and "gia hạn" not in text
    assert "113" not in text and calls(chat) == []
    tip = only_tip(chat)
    # The service's own aim of an outcome in 30 days: kept for the police, never promised.
    assert (tip.track, tip.urgent, tip.decision_due) == ("mediation", False, date(2026, 12, 23))
    assert "23/12/2026" not in text


async def test_a_violence_tip_is_urgent_and_its_receipt_gives_113_and_111(chat: Chat) -> None:
    text = await sent(
        chat,
        "domestic_violence_child_abuse",
        "Nhà hàng xóm hay đánh con nhỏ",
        "tối nào cũng nghe tiếng cháu khóc",
    )
    assert "gọi ngay 113" in text and "gọi 111" in text
    assert "Tổng đài quốc gia bảo vệ trẻ em" in text
    assert "20 ngày" not in text and "bạo lực gia đình" in text
    assert {"113", "111"} <= set(calls(chat))
    tip = only_tip(chat)
    assert (tip.track, tip.urgent) == ("violence", True)


async def test_a_crime_report_keeps_the_twenty_days_of_the_code(chat: Chat) -> None:
    text = await sent(
        chat, "theft_robbery", "Tối qua có hai người lạ đi xe máy", "lấy trộm xe đạp trước nhà"
    )
    assert "Bộ luật Tố tụng hình sự" in text
    assert "gửi thông báo tiếp nhận chậm nhất ngày 26/11/2026" in text
    # The commune's own deadline is promised; the investigation body's 20 days described.
    assert "chuyển Cơ quan điều tra có thẩm quyền chậm nhất ngày 30/11/2026" in text
    assert "20 ngày kể từ khi nhận" in text and "13/12/2026" not in text
    assert "111" not in text
    assert only_tip(chat).track == "crime"


@pytest.mark.parametrize("track", list(Track))
@pytest.mark.parametrize("lang", ["vi", "en"])
def test_every_track_has_its_own_receipt_in_both_languages(track: Track, lang: str) -> None:
    from handlers.report.review import receipt_reply

    due = date(2026, 11, 30) if track is Track.CRIME else None
    text = render.reply(receipt_reply(CODE, "482915", track, date(2026, 11, 26), due), lang).text
    assert CODE in text and "482915" in text and "26/11/2026" in text
    assert legal.track(track.value).procedure.get(lang) in text
    assert ("30/11/2026" in text) is (track is Track.CRIME)
    assert ("111" in text) is (track is Track.VIOLENCE)
    assert "{" not in text and unicodedata.is_normalized("NFC", text)


def test_the_consent_names_the_procedures_that_apply() -> None:
    # Issue 18: the procedures moved to the whole notice ("read more"), the purpose it opens with.
    vi = translate("tip.notice_who", "vi")
    for procedure in (
        "Bộ luật Tố tụng hình sự",
        "vi phạm hành chính",
        "hòa giải ở cơ sở",
        "bạo lực",
        "phòng cháy",
    ):
        assert procedure in vi
    assert "giải quyết theo Bộ luật Tố tụng hình sự." not in vi
    short = translate("tip.consent", "vi")
    assert "giữ bí mật danh tính" in short and "mã hóa" in short  # the promises are kept
    en = translate("tip.notice_who", "en")
    assert "grassroots mediation" in en and "fire prevention" in en


# -- protection ---------------------------------------------------------------------------------


async def test_asking_for_secrecy_is_stored_and_shown_on_the_review(chat: Chat) -> None:
    await start(chat, "theft_robbery")
    await describe(chat, "Có người lạ trộm xe máy", "trước cổng nhà văn hóa tổ 5")
    await to_identity(chat)
    review = await named(chat, "id:named_secret")
    assert "Nguyễn Văn An, 0912 345 678" in review
    assert "Đề nghị bảo vệ: giữ bí mật danh tính" in review
    await chat.pick("tip:confirm")
    tip = only_tip(chat)
    assert (tip.protection, tip.anonymous, tip.urgent) == ("secret", False, False)


async def test_a_change_of_mind_on_the_review_drops_the_request(chat: Chat) -> None:
    await start(chat, "theft_robbery")
    await describe(chat, "Có người lạ trộm xe máy", "trước cổng nhà văn hóa tổ 5")
    await to_identity(chat)
    await named(chat, "id:named_secret")
    await chat.pick("tip:edit")
    await chat.pick("edit:identity")
    review = await named(chat, "id:named")
    assert "Đề nghị bảo vệ" not in review
    await chat.pick("tip:confirm")
    assert only_tip(chat).protection == ""


@pytest.mark.parametrize(
    "said",
    [
        "Tôi bị đe dọa vì đã báo chuyện này",
        "toi bi de doa vi da bao chuyen nay",  # without marks
        "Bọn cho vay dọa giết tôi nếu không trả tiền",
        "tôi bị bọn chúng đe doạ suốt tuần nay",  # the tone on the a, the old way
    ],
)
async def test_saying_one_is_threatened_asks_for_protection_at_once(chat: Chat, said: str) -> None:
    await start(chat, "theft_robbery")
    text = await chat.say(said)
    assert "Bạn cho biết đang bị đe dọa" in text and "gọi 113" in text
    assert "113" in calls(chat)
    text = await chat.say("họ còn đòi tiền nữa, dọa tôi")  # told once
    assert "Bạn cho biết đang bị đe dọa" not in text
    await chat.pick("tip:done")
    await to_identity(chat)
    await chat.pick("id:anonymous")  # stays threatened whatever the identity
    while "tip:skip" in chat.choices:
        await chat.pick("tip:skip")
    assert "Đề nghị bảo vệ: đang bị đe dọa" in chat.text, chat.text
    await chat.pick("tip:confirm")
    tip = only_tip(chat)
    assert (tip.protection, tip.urgent) == ("threatened", True)


async def test_a_threat_told_among_the_details_counts_too(chat: Chat) -> None:
    await start(chat, "gambling")
    await describe(chat, "Nhà số 7 tổ chức đánh bạc", "đêm nào cũng đông người")
    await chat.pick("when:today")
    await chat.say("Số 7 ngõ 3")
    await chat.pick("tip:media_done")
    await chat.pick("tip:details_yes")
    text = await chat.say("Chủ nhà tên Hùng, hắn doa danh toi neu bao cong an")
    assert "Bạn cho biết đang bị đe dọa" in text
    for _ in range(3):
        await chat.pick("tip:skip")
    await named(chat)
    await chat.pick("tip:confirm")
    assert only_tip(chat).protection == "threatened"


async def test_words_that_only_look_alike_ask_for_nothing(chat: Chat) -> None:
    await start(chat, "fraud_online")
    text = await chat.say("Tôi đang dọn dẹp thì nhận tin nhắn đòi chuyển 500 đô la")
    text += await chat.say("Hắn đe dọa hàng xóm tôi qua điện thoại")
    assert "Bạn cho biết đang bị đe dọa" not in text
    await chat.pick("tip:done")
    await to_identity(chat)
    review = await named(chat)
    assert "Đề nghị bảo vệ" not in review
    await chat.pick("tip:confirm")
    assert only_tip(chat).protection == ""


async def test_a_threat_typed_where_it_is_not_content_is_not_read(chat: Chat) -> None:
    await start(chat, "theft_robbery")
    await describe(chat, "Có người lạ trộm xe máy", "trước cổng nhà văn hóa tổ 5")
    await chat.pick("when:today")
    text = await chat.say("Tôi bị đe dọa ở ngõ 5")  # the place: not what happened
    assert "Bạn cho biết đang bị đe dọa" not in text


@pytest.mark.parametrize(
    "said",
    [
        "tôi bị đe dọa",
        "TÔI BỊ ĐE DỌA!!!",
        "toi bi doa giet",
        "Tôi bị hăm dọa",
        "tôi bị hăm doạ",
        "em bị chủ nợ đe dọa",
        "Mình bị đe dọa suốt",
        "họ dọa tôi nếu báo công an",
        "nó đe dọa giết tôi",
        "chúng nó doa danh toi",
        "tôi bị đánh và dọa giết",
        # As the first review found them missed (issue 17).
        "tôi đang bị đe dọa",
        "tui bị đe dọa",
        "họ dọa sẽ đánh tôi",
        "chúng đe dọa sẽ giết tôi",
        "tôi bị kẻ lạ mặt đe dọa",
        "tôi bị bọn cho vay nặng lãi đe dọa",
        "tôi bị người lạ gọi điện đe dọa",
        "bị đe dọa",
        "đang bị đe dọa suốt mấy hôm nay",
        "hắn đe dọa tung ảnh của tôi",
        # As the second review found them missed.
        "Tôi bị uy hiếp",
        "Tôi bị tống tiền",
        "bị hăm he sẽ xử đẹp",
        "Họ khủng bố tinh thần tôi",
        "Tôi sợ bị trả thù",
        "Nó đòi giết tôi",
        "Nó bảo sẽ giết cả nhà tôi",  # the household, the writer with it
        "họ dọa giết cả nhà tôi",
        "Nó nói: tao sẽ giết mày nếu mày báo công an",  # quoted as said to the writer
        "I am being threatened",
        "they threatened me",
    ],
)
def test_the_reporters_own_threat_is_read(said: str) -> None:
    assert who_threatened(said) is Threat.ME
    assert threatened(said)
    assert threatened(unicodedata.normalize("NFD", said))  # as some phones send it


@pytest.mark.parametrize(
    "said",
    [
        "dọn dẹp nhà cửa",
        "tôi bị mất 2 triệu đô la",
        "tôi bị dọn",  # another marked word: not "dọa"
        "tôi bị dóa",
        "hắn đe dọa hàng xóm",  # someone else
        "anh Minh bị đe dọa",  # a name, not "mình"
        "minh bi de doa",
        "không ai dọa tôi",  # denied
        "nếu tôi bị đe dọa thì sao",  # supposed
        "tôi bị lừa, họ gọi đe dọa",  # nobody named
        "tôi bị đòi tiền",
        "hắn đe dọa hàng xóm tôi",
        "bà ấy bị chồng đe dọa",
        "không ai đe dọa tôi cả",
        # A phone scam's script: a threat of arrest is the scam, not a threat to the writer.
        "Cuộc gọi giả công an dọa bắt tôi nếu không chuyển tiền",
        "tôi muốn giết thời gian",
        "nó bảo tôi chuyển tiền",
        "tôi sẽ xử lý việc này",
        "bên ngân hàng đòi tiền tôi",
        "tôi sợ bị lừa",
        "dọa khóa tài khoản của tôi",
    ],
)
def test_what_only_looks_like_a_threat_is_not(said: str) -> None:
    assert not threatened(said)


@pytest.mark.parametrize(
    "said",
    [
        "con tôi bị đe dọa",
        "Bố tôi bị đe dọa",
        "em gái tôi bị hăm dọa",
        "hắn dọa con tôi",
        "chồng cũ dọa sẽ đánh vợ tôi",
        "Bạn tôi bị đe dọa",
        "họ dọa bắt cóc con tôi",
        "they threatened to kill my son",
    ],
)
def test_a_threat_to_someone_close_is_read_as_such(said: str) -> None:
    """Relatives are protected too (CPC art. 484(1)(d)): the tip asks for protection, and the
    reply does not say the writer themselves is threatened."""
    assert who_threatened(said) is Threat.CLOSE


# -- the police's notices -----------------------------------------------------------------------


def shown(kind: Notice, lang: str, **params: str) -> str:
    return render.reply(message(kind.value, CODE, params), lang).text


@pytest.mark.parametrize("track", list(Track))
@pytest.mark.parametrize("lang", ["vi", "en"])
def test_the_acknowledgement_names_the_tracks_procedure(track: Track, lang: str) -> None:
    text = shown(Notice.ACKNOWLEDGED, lang, track=track.value)
    assert CODE in text and legal.track(track.value).procedure.get(lang) in text
    assert "145" not in text


@pytest.mark.parametrize("params", [{}, {"track": "gossip"}])
def test_an_old_or_unknown_track_is_acknowledged_as_a_crime_report(
    params: dict[str, str],
) -> None:
    assert "Bộ luật Tố tụng hình sự" in shown(Notice.ACKNOWLEDGED, "vi", **params)


@pytest.mark.parametrize("lang", ["vi", "en"])
def test_forwarding_tells_where_it_went(lang: str) -> None:
    body = "Cơ quan Cảnh sát điều tra Công an tỉnh Bắc Ninh"
    text = shown(Notice.FORWARDED, lang, to=body, track="crime")
    assert body in text and CODE in text


@pytest.mark.parametrize("to", ["", "   ", "x" * 201])
def test_forwarding_without_a_readable_body_names_the_competent_one(to: str) -> None:
    vi = shown(Notice.FORWARDED, "vi", to=to, track="crime")
    en = shown(Notice.FORWARDED, "en", to=to, track="crime")
    assert "cơ quan chức năng" in vi and "the body in charge" in en
    assert "xxx" not in vi


def test_forwarding_of_an_old_row_names_the_competent_body() -> None:
    assert "đã được chuyển đến cơ quan chức năng" in shown(Notice.FORWARDED, "vi")


@pytest.mark.parametrize("lang", ["vi", "en"])
def test_a_change_of_track_says_what_follows(lang: str) -> None:
    mediation = render.reply(message(Notice.TRACK_CHANGED, CODE, {"track": "mediation"}), lang)
    violence = render.reply(message(Notice.TRACK_CHANGED, CODE, {"track": "violence"}), lang)
    fire = shown(Notice.TRACK_CHANGED, lang, track="fire_risk")
    assert legal.track("mediation").procedure.get(lang) in mediation.text
    assert ("Hòa giải viên" if lang == "vi" else "mediator") in mediation.text
    assert "113" in violence.text and "111" in violence.text
    assert [phone for _label, phone in violence.calls] == ["113", "111"]
    assert mediation.calls == () and "113" not in fire
    assert legal.track("fire_risk").procedure.get(lang) in fire


@pytest.mark.parametrize(
    ("kind", "params"),
    [
        (Notice.TRACK_CHANGED, {}),
        (Notice.TRACK_CHANGED, {"track": "gossip"}),
        (Notice.RESUMED, {}),
        (Notice.RESUMED, {"decision_due": "next month"}),
        (Notice.OFFICER_PROTECTION, {"category": "fraud_phone", "protection": "secret"}),
    ],
)
def test_a_notice_that_cannot_be_told_right_is_refused(
    kind: Notice, params: dict[str, str]
) -> None:
    with pytest.raises(BadNotice):
        message(kind.value, CODE, params)


@pytest.mark.parametrize("lang", ["vi", "en"])
def test_mediation_suspension_and_resumption(lang: str) -> None:
    mediating = shown(Notice.MEDIATING, lang)
    assert CODE in mediating and ("tổ hòa giải" if lang == "vi" else "mediation team") in mediating
    suspended = render.reply(
        message(Notice.SUSPENDED, CODE, {"resolution": "suspended", "track": "crime"}), lang
    )
    assert CODE in suspended.text and suspended.choices == ()  # nothing to rate yet
    assert ("tạm dừng" if lang == "vi" else "paused") in suspended.text
    resumed = shown(Notice.RESUMED, lang, decision_due="2027-02-03")
    assert "03/02/2027" in resumed and "2027-02-03" not in resumed


@pytest.mark.parametrize(
    ("resolution", "vi_words", "en_words"),
    [
        ("prosecuted", "đã khởi tố vụ án hình sự", "opened a criminal case"),
        ("not_prosecuted", "quyết định không khởi tố", "not to open a criminal case"),
        ("sanctioned", "xử phạt", "penalised"),
        ("no_violation", "không phát hiện vi phạm", "no violation"),
        ("protected", "biện pháp bảo vệ", "protect"),
        ("safe", "không phát hiện nguy cơ cháy", "no fire"),
        ("fixed", "đã được khắc phục", "put right"),
        ("agreed", "Các bên đã hòa giải thành.", "reached an agreement"),
        ("not_agreed", "Hòa giải không thành", "may ask the competent body"),
        ("withdrawn", "không còn đề nghị hòa giải", "no longer ask"),
        ("duplicate", "đã có người báo trước", "already been reported"),
    ],
)
def test_each_outcome_in_plain_words_then_the_rating(
    resolution: str, vi_words: str, en_words: str
) -> None:
    vi = render.reply(message(Notice.CLOSED, CODE, {"resolution": resolution}), "vi")
    en = shown(Notice.CLOSED, "en", resolution=resolution, track="crime")
    assert vi_words in vi.text and en_words in en
    assert [c.id for c in vi.choices] == [f"rate:{CODE}:{n}" for n in range(1, 6)]


def test_every_tracks_outcome_has_words_of_its_own() -> None:
    other = translate("notice.outcome_other", "vi")
    for track, outcomes in OUTCOMES.items():
        for resolution in outcomes:
            text = shown(Notice.CLOSED, "vi", resolution=resolution.value, track=track.value)
            assert other not in text, resolution


def test_not_competent_no_longer_sends_the_resident_elsewhere() -> None:
    text = shown(Notice.CLOSED, "vi", resolution=Resolution.NOT_COMPETENT.value)
    assert "Ủy ban" not in text and "Bạn hãy liên hệ" not in text
    assert "chuyển đến cơ quan có thẩm quyền" in text


@pytest.mark.parametrize(
    ("protection", "vi_words", "en_words"),
    [
        ("secret", "đề nghị giữ bí mật danh tính", "identity be kept secret"),
        ("threatened", "cho biết đang bị đe dọa", "being threatened"),
        ("", "đề nghị được bảo vệ", "asks for protection"),
    ],
)
def test_a_chief_is_told_of_a_protection_request_and_nothing_the_reporter_wrote(
    protection: str, vi_words: str, en_words: str
) -> None:
    params = {
        "category": "fraud_phone",
        "link": "https://x.vn/admin/tips/7",
        "protection": protection,
    }
    params["description"] = "Tôi bị Nguyễn Văn B dọa giết"  # never read
    vi = render.reply(message(Notice.OFFICER_PROTECTION, CODE, params), "vi")
    en = shown(Notice.OFFICER_PROTECTION, "en", **params)
    assert vi_words in vi.text and en_words in en
    assert CODE in vi.text and "Lừa đảo qua điện thoại" in vi.text
    assert "https://x.vn/admin/tips/7" in vi.text
    assert "Nguyễn" not in vi.text and "Nguyễn" not in en and vi.choices == ()


# -- my tips ------------------------------------------------------------------------------------


def view(track: str, decision_due: date | None, status: TipStatus = TipStatus.NEW) -> TipView:
    return TipView(
        id="1",
        code=CODE,
        category="neighbourhood_dispute",
        status=status,
        urgent=False,
        created_at=datetime(2026, 11, 23, 3, tzinfo=UTC),
        ack_due=date(2026, 11, 26),
        decision_due=decision_due,
        track=track,
    )


@pytest.mark.parametrize("lang", ["vi", "en"])
def test_my_tip_shows_its_procedure_and_only_the_deadlines_it_has(lang: str) -> None:
    mediation = render.text(detail(view("mediation", None, TipStatus.MEDIATING)), lang)
    assert legal.track("mediation").procedure.get(lang) in mediation
    assert "26/11/2026" in mediation
    assert ("Hạn giải quyết" if lang == "vi" else "Decision due") not in mediation
    assert ("Tổ hòa giải đang" if lang == "vi" else "mediation team") in mediation
    crime = render.text(detail(view("crime", date(2026, 12, 13), TipStatus.SUSPENDED)), lang)
    assert "13/12/2026" in crime and legal.track("crime").procedure.get(lang) in crime
    assert ("Tạm dừng" if lang == "vi" else "Paused") in crime


def test_my_tips_timeline_reads_the_new_entries_in_words() -> None:
    at = datetime(2026, 11, 24, 3, tzinfo=UTC)

    def line(kind: str, body: str) -> str:
        return render.text(_line(TimelineEntry(at, kind, body)), "vi")

    assert "Đã chuyển đến Công an huyện" in line("forwarded", "Công an huyện")
    assert "cơ quan có thẩm quyền" in line("forwarded", "")
    assert "hòa giải ở cơ sở" in line("track", "mediation") and "mediation" not in line(
        "track", "mediation"
    )
    assert "03/02/2027" in line("resumed", "2027-02-03")
    assert "Giải quyết tiếp." in line("resumed", "soon")
    assert "Tạm dừng" in line("suspended", "suspended") and "suspended" not in line(
        "suspended", "suspended"
    )
    assert "Hòa giải không thành" in line("closed", "not_agreed")


async def test_my_tips_shows_no_decision_date_for_a_mediation(chat: Chat) -> None:
    await sent(chat, "neighbourhood_dispute")
    await chat.pick("menu:mytips")
    [pick] = [c for c in chat.choices if c.startswith("mytip:")]
    text = await chat.pick(pick)
    assert f"Tin báo {only_tip(chat).code}" in text and "Giải quyết theo" in text
    assert (
        "Thông báo tiếp nhận: chậm nhất ngày 26/11/2026" in text
        and "giải quyết: chậm nhất" not in text
    )


async def test_an_answer_typed_as_a_contact_card_is_no_threat(chat: Chat) -> None:
    await start(chat, "theft_robbery")
    await chat.send_event(chat.event(Kind.CONTACT, phone="0912345678"))
    assert "Bạn cho biết đang bị đe dọa" not in chat.text


async def test_a_forwarded_threat_is_its_writers_not_the_reporters(chat: Chat) -> None:
    await start(chat, "fraud_online")
    forwarded = chat.event(Kind.TEXT, text="Tôi bị đe dọa, chuyển tiền ngay", forwarded=True)
    await chat.send_event(forwarded)
    assert "Bạn cho biết đang bị đe dọa" not in chat.text
    await chat.say("Tin nhắn trên do một số lạ gửi cho bố tôi")
    await chat.pick("tip:done")
    await to_identity(chat)
    await named(chat)
    await chat.pick("tip:confirm")
    assert only_tip(chat).protection == ""


def test_a_transfer_is_not_told_as_resolved_nor_rated() -> None:
    """Passed on, not decided: the body it went to tells the outcome (CPC art. 145(4))."""
    for lang in ("vi", "en"):
        said = shown(Notice.CLOSED, lang, resolution="transferred", track="crime")
        assert CODE in said and "giải quyết xong" not in said and "rate:" not in repr(said)
    assert "chuyển xong" in shown(Notice.CLOSED, "vi", resolution="transferred")
