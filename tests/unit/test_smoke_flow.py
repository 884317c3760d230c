from tests.conftest import Chat


async def test_onboarding_reaches_menu(chat: Chat) -> None:
    text = await chat.say("/start")
    assert "Xin chào" in text
    assert chat.choices[:2] == ["lang:vi", "lang:en"]
    await chat.pick("lang:vi")
    await chat.say("Hà Nội")
    text = await chat.say("phuong ba dinh")
    assert "Phường Ba Đình" in text
    assert "menu:tip" in chat.choices
