"""Every awareness topic is reached in a resident's own words from the main menu, with and
without marks and in English, and those words do not turn a tip or a danger into a lesson
(content/packs/intents.yaml `topics`)."""

from __future__ import annotations

import pytest

from content import awareness
from content.schema.base import load
from content.schema.intents import Intents
from content.understand import PACKS, Where
from handlers.understood import meaning
from tests.conftest import Chat

FIRST_EIGHT = {
    "scam_phone",
    "scam_online",
    "fire_safety",
    "drink_driving",
    "drugs_ecig",
    "gangs_racing",
    "student_vehicles",
    "day_19_8",
}
ASKED = [
    ("làm sao biết tin trên facebook là tin giả", "false_info"),
    ("chia se tin sai su that co bi phat khong", "false_info"),
    ("how do I spot fake news", "false_info"),
    ("cach bao ve du lieu ca nhan", "personal_data"),
    ("bảo mật tài khoản ngân hàng ra sao cho an toàn", "personal_data"),
    ("cài xác thực 2 lớp cho zalo thế nào", "personal_data"),
    ("cá độ bóng đá qua mạng bị xử lý thế nào", "gambling_betting"),
    ("ca do bong da co bi di tu khong", "gambling_betting"),
    ("an toàn dịp tết", "tet_safety"),
    ("tet nay ve que thi nha cua can luu y gi", "tet_safety"),
    ("Lunar New Year safety", "tet_safety"),
    ("phòng chống đuối nước cho trẻ", "drowning_summer"),
    ("nghi he cho con di hoc boi o dau an toan", "drowning_summer"),
    ("how to keep children safe from drowning", "drowning_summer"),
    ("lam sao nhan biet tin dung den", "loan_jobs"),
    ("đi xuất khẩu lao động cần cảnh giác gì", "loan_jobs"),
    ("tổ hòa giải ở cơ sở làm gì", "mediation"),
    ("hoa giai o co so la gi", "mediation"),
    ("người dân giúp công an có được khen thưởng không", "recognition"),
    ("lừa đảo qua mạng", "scam_online"),
    ("ngay 19/8 la ngay gi", "day_19_8"),
]


def test_every_topic_has_words_of_its_own_and_cases_here() -> None:
    words = load(Intents, PACKS / "intents.yaml").topics
    ids = {t.id for t in awareness.topics()}
    assert ids <= set(words), f"topics nobody can ask for in words: {sorted(ids - set(words))}"
    assert set(words) <= ids  # no words for a topic that is gone
    # The first eight topics have their cases in tests/understanding/messages.yaml.
    assert {topic for _, topic in ASKED} >= ids - FIRST_EIGHT


@pytest.mark.parametrize("text,topic", ASKED, ids=[t for _, t in ASKED])
def test_a_topic_asked_for_in_words_is_read_as_that_topic(text: str, topic: str) -> None:
    reading = meaning(text, Where.MENU)
    assert (reading.intent, reading.topic) == ("learn", topic)


@pytest.mark.parametrize(
    "text,intent",
    [
        ("o xom co nha to chuc danh bac ca dem", "report"),
        ("tôi muốn báo một đường dây cá độ bóng đá ở quán bia đầu ngõ", "report"),
        ("bọn cho vay nặng lãi đến nhà tôi đòi nợ, đập phá đồ", "report"),
        ("cứu với có đứa bé đang đuối nước ở ao làng", "emergency"),
        ("chet duoi o song Han co nguoi dang chim", "emergency"),
        ("tôi lỡ đọc mã OTP cho người lạ rồi, giờ làm sao", "scammed"),
        # from a review as residents type: a loss at Tết, water taking a child, a stranger
        ("tet nay bi lua", "scammed"),
        ("nghỉ tết bị lừa mua vé xe", "scammed"),
        ("em bé tắm sông bị nước cuốn", "emergency"),
        ("con tôi đi tắm biển bị sóng cuốn", "emergency"),
        ("hai học sinh mất tích khi tắm sông", "emergency"),
        ("đứa bé rơi xuống giếng", "emergency"),
        ("a child fell in the river", "emergency"),
        ("dịp tết có kẻ lạ lảng vảng trong xóm", "report"),
    ],
    ids=[
        "gambling den",
        "betting ring",
        "loan sharks",
        "drowning",
        "drowning bare",
        "otp given",
        "tet scam bare",
        "tet ticket scam",
        "swept away",
        "wave",
        "missing swimming",
        "well",
        "river en",
        "stranger at tet",
    ],
)
def test_topic_words_leave_a_tip_a_danger_or_a_loss_as_they_are(text: str, intent: str) -> None:
    reading = meaning(text, Where.MENU)
    assert reading.intent == intent
    if intent == "emergency":
        assert reading.urgent


async def test_a_new_topic_opens_at_its_first_page_when_asked_for(chat: Chat) -> None:
    await chat.onboard()
    drowning = awareness.topic("drowning_summer")
    assert drowning is not None
    text = await chat.say("phong chong duoi nuoc cho tre")
    assert f"Bài 1/{len(drowning.cards)} · {drowning.cards[0].title.vi}" in text
    assert chat.choices[0] == "learn:card:drowning_summer:1"
    text = await chat.say("menu")
    text = await chat.say("how do I spot fake news")
    false_info = awareness.topic("false_info")
    assert false_info is not None
    assert false_info.cards[0].title.vi in text


@pytest.mark.parametrize(
    "text,never",
    [
        ("công ty lừa tiền", "thanks"),  # "ty" is thanks only as a whole message
        ("công ty xuất khẩu lao động lừa tiền", "thanks"),
        ("vinh danh người dân", "emergency"),  # "danh người" is no "đánh người"
        ("tôi ko muốn nhận tin giả", "stop"),  # fake news is another sender's
    ],
    ids=["company", "labour company", "honour", "fake news"],
)
def test_words_near_the_new_topics_are_not_misread(text: str, never: str) -> None:
    reading = meaning(text, Where.MENU)
    assert reading.intent != never and not reading.urgent


NOT_NOW = (
    "hàng xóm đốt pháo nổ vào 12 giờ đêm",
    "nhà tôi bị pháo nổ làm vỡ kính",
    "lúa bị nước cuốn hết",
    "cả xóm đang chìm trong nợ nần",
    "điện thoại rơi xuống giếng",
    "my phone fell in the river",
    "báo đưa tin học sinh bị nước cuốn",
    "làm gì khi có người rơi xuống giếng",
    "bé nhà tôi suýt rơi xuống giếng",
)
NOW = (
    "em bé tắm sông bị nước cuốn",
    "con tôi đi tắm biển bị sóng cuốn",
    "có người nhảy xuống sông",
    "ông cụ ngã xuống kênh",
    "có đứa trẻ rơi xuống mương",
    "thằng bé nhà bên đang chìm dưới ao",
    "someone fell into the river",
    "có người bị chém máu nhiều cần tiền đi viện",
    "đang có đánh nhau ở chợ, gọi bảo công an đến",
)


@pytest.mark.parametrize("where", [Where.MENU, Where.TEXT], ids=["menu", "tip"])
def test_water_and_fireworks_are_urgent_only_for_a_person_in_danger_now(where: Where) -> None:
    """At the menu an urgent reading shows the emergency numbers; in a tip it marks the tip
    urgent for the police. A thing swept away, a noise, the news, a lesson or a near miss is
    neither; a real danger with money or a call in it stays urgent."""
    assert [t for t in NOT_NOW if meaning(t, where).urgent] == []
    assert [t for t in NOW if not meaning(t, where).urgent] == []


def test_the_news_is_not_a_danger_now_but_a_fire_said_now_still_is() -> None:
    assert not meaning("báo chí đưa tin hai học sinh mất tích khi tắm sông", Where.MENU).urgent
    assert meaning("tôi đang đọc báo thì nghe tiếng nổ, nhà bên đang cháy", Where.MENU).urgent
