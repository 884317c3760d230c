"""Issue 21 through a real entry point, `binhyen chat` with piped stdin: the advice pages as
drawn, the quiz and the topic list asked for in words, and the commune police's page."""

from __future__ import annotations

from pathlib import Path

from content import awareness, screen
from tests.e2e.clichat import run_chat

ONBOARD = ["/start", "1", "ha noi", "phuong ba dinh"]


def test_a_topic_read_in_words_and_its_quiz_asked_for_from_a_middle_page(tmp_path: Path) -> None:
    fire = awareness.topic("fire_safety")
    assert fire is not None
    turns = run_chat(
        tmp_path,
        [*ONBOARD, "an toàn phòng cháy", "tiep", "trac nghiem", "cac chu de"],
    )
    opened, second, quiz, topics = turns[-4:]
    assert f"Bài 1/{len(fire.cards)} · {fire.cards[0].title.vi}" in opened
    assert f"Bài 2/{len(fire.cards)} · {fire.cards[1].title.vi}" in second
    # What the terminal printed for the page fits the phone screen the check measured.
    page = second[second.index("Bài 2/") :].rstrip("\n")
    assert len(screen.rows(page)) <= screen.SCREEN_ROWS, page
    assert f"Câu 1/{len(fire.quiz)}: {fire.quiz[0].prompt.vi}" in quiz
    assert "Tìm hiểu để phòng tránh" in topics and fire.title.vi in topics


def test_the_commune_police_page_from_the_menu_and_in_words(tmp_path: Path) -> None:
    turns = run_chat(tmp_path, [*ONBOARD, "so dien thoai cong an xa", "menu"])
    page = turns[-2]
    # Nothing entered yet for this commune: said plainly, with the emergency numbers.
    assert "chưa cập nhật" in page
    assert "113" in page and "114" in page and "115" in page
    assert "📞 Liên hệ Công an xã/phường" in turns[-1]  # the menu item
