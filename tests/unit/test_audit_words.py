"""The audit log in plain words (issue 20): every action the code base writes reads as one
sentence in Vietnamese and in English, with the panel's own words for statuses, tracks,
outcomes, roles and indicators, counts pluralised, and a generic sentence for a code no one
knows."""

from __future__ import annotations

import re
from datetime import UTC, datetime
from pathlib import Path

import pytest

from admin.audit_details import rotation_facts
from admin.audit_words import (
    BUILDERS,
    Ctx,
    _said,
    actor_words,
    filter_reason,
    filters_in_words,
    full_text,
    sentence,
)
from content.i18n import LANGUAGES, catalog
from handlers.audit import AuditAction
from storage.audit import AuditRow, Named, NamedIndicator, NamedTip
from storage.key_rotation import Rotation

ROOT = Path(__file__).resolve().parents[2]
T0 = datetime(2026, 11, 30, 16, 30, tzinfo=UTC)  # 23:30 on 30/11 in Vietnam
TIP = "BY-7K3F-Q9"


def row(
    action: str, *, subject: str = "", detail: str = "", reason: str = "", **kw: object
) -> AuditRow:
    actor_id = kw.get("actor_id", 7)
    username = kw.get("username", "chief_a")
    return AuditRow(
        1,
        T0,
        actor_id,
        str(username),
        action,
        subject,
        detail,
        reason,
        "",  # type: ignore[arg-type]
    )


def said(r: AuditRow, lang: str = "vi", named: Named | None = None) -> str:
    return sentence(r, named or Named(), lang).text


# --- every action the code base writes -----------------------------------------------------


def written_actions() -> set[str]:
    """The action codes the source writes, found mechanically: every `AuditAction.NAME` used
    outside the vocabulary itself and the readers."""
    readers = {"handlers/audit.py", "storage/audit.py", "admin/audit.py", "admin/audit_words.py"}
    names: set[str] = set()
    for folder in ("admin", "handlers", "storage", "bot"):
        for path in (ROOT / folder).rglob("*.py"):
            if str(path.relative_to(ROOT)) in readers:
                continue
            names |= set(re.findall(r"AuditAction\.([A-Z_]+)", path.read_text("utf-8")))
    return {AuditAction[name].value for name in names}


def sample_rows(action: str) -> list[AuditRow]:
    """Rows of `action` as its write sites shape them, and one with an odd detail."""
    details = {
        "tip.status": ["new>acknowledged", "verifying>closed"],
        "tip.assign": ["officer_a", "-"],
        "tip.urgency": ["urgent", "normal"],
        "tip.extend": ["1:2026-12-30", "2:2027-01-30:12/QĐ-VKS"],
        "tip.track": ["crime>administrative"],
        "tip.protect": ["secret", "threatened"],
        "mediation.teams": ["add:Tổ 1", "edit:Tổ 1", "off:Tổ 1", "on:Tổ 1"],
        "tips.export": ["rows=3;contacts=0;fmt=csv;out=download", "12 rows"],
        "signin.failure": ["bad_password"],
        "signout": ["self", "everywhere"],
        "user.create": ["officer"],
        "user.password": ["self", "admin"],
        "totp.disable": ["self", "admin"],
        "user.unlock": ["", "cli"],
        "token.create": ["laptop", "cli"],
        "broadcast.cancel": ["3 queued"],
        "leader.areas": ["Thôn 1, Thôn 2", "whole_commune"],
        "commune.approval": ["approval_on", "approval_off"],
        "chat_link.refuse": ["expired"],
        "chat_link.unlink": ["telegram"],
        "retention.run": ["contacts=2;files=1"],
        "keys.rotate": ["contact=4;totp=1"],
        "resident.erase": ["tips=1;channel=telegram"],
        "resident.export": ["channel=web;fmt=json;tips=2"],
        "audit.export": ["rows=12;fmt=xlsx"],
        "indicator.confirm": ["phone"],
        "indicator.reject": ["domain"],
    }.get(action, [""])
    subject = {"tip.": TIP, "user.": "officer_b", "campaign.": "tet_2027"}
    prefix = next((p for p in subject if action.startswith(p)), "")
    found = [row(action, subject=subject.get(prefix, "12"), detail=d) for d in details]
    return [*found, row(action, subject="x", detail="??? odd ???")]


@pytest.mark.parametrize("lang", LANGUAGES)
def test_every_action_written_has_its_own_sentence_in_both_languages(lang: str) -> None:
    written = written_actions()
    assert written, "the grep found no write site"
    assert written <= {a.value for a in AuditAction}
    every = {a.value for a in AuditAction} | written
    missing = sorted(a for a in every if a not in BUILDERS)
    assert missing == []
    words = catalog(lang)
    for action in sorted(every):
        for r in sample_rows(action):
            msgid, _params, _facts = _said(Ctx(r, Named(), lang, actor_words(r, lang)))
            assert msgid in words, (action, msgid)
            text = said(r, lang)
            assert text and "{" not in text and "panel." not in text, (action, text)


def test_the_two_languages_differ_for_each_action() -> None:
    for action in AuditAction:
        (first, *_rest) = sample_rows(action.value)
        assert said(first, "vi") != said(first, "en"), action


# --- the words the panel uses elsewhere ----------------------------------------------------


def test_a_status_change_names_the_statuses_and_links_the_tip() -> None:
    named = Named(tips={TIP: NamedTip(TIP, "acknowledged", "")})
    r = row("tip.status", subject=TIP, detail="new>acknowledged")
    vi = sentence(r, named, "vi")
    assert (
        vi.text
        == f"chief_a chuyển tin báo {TIP} từ “Mới tiếp nhận” sang “Đã gửi thông báo tiếp nhận”"
    )
    assert [p.href for p in vi.parts if p.href] == [f"/admin/tips/{TIP}"]
    en = said(r, "en", named)
    assert "new>acknowledged" not in en and "“Acknowledged”" in en and TIP in en
    # A tip that is gone is named, not linked.
    assert not any(p.href for p in sentence(r, Named(), "vi").parts)


def test_closing_names_the_outcome() -> None:
    named = Named(tips={TIP: NamedTip(TIP, "closed", "no_violation")})
    r = row("tip.status", subject=TIP, detail="verifying>closed")
    text = said(r, "vi", named)
    assert "kết thúc tin báo" in text and "“Đang xác minh”" in text
    assert catalog("vi")["panel.resolution.no_violation"] in text


def test_a_track_change_and_an_extension_in_words() -> None:
    track = said(row("tip.track", subject=TIP, detail="crime>administrative"), "vi")
    assert "“Tố giác, tin báo về tội phạm”" in track and "“Vi phạm hành chính”" in track
    extend = said(row("tip.extend", subject=TIP, detail="2:2027-01-30:12/QĐ-VKS"), "en")
    assert extend.endswith("(extension 2) to 30/01/2027, under decision no. 12/QĐ-VKS")


def test_an_indicator_is_named_by_its_display_form() -> None:
    named = Named(indicators={"12": NamedIndicator("phone", "+84912345678", "")})
    r = row("indicator.confirm", subject="12", detail="phone")
    assert said(r, "vi", named) == (
        "chief_a xác nhận số điện thoại 0912 345 678 là dấu hiệu lừa đảo"
    )
    assert said(r, "en", named) == (
        "chief_a confirmed the phone number 0912 345 678 as a scam indicator"
    )
    # The indicator gone: its kind and number, never "1 · phone".
    assert said(r, "vi") == "chief_a xác nhận một dấu hiệu lừa đảo (số điện thoại, số 12)"


def test_roles_and_account_changes() -> None:
    made = said(row("user.create", subject="officer_b", detail="officer"), "vi")
    assert (
        made
        == f"chief_a tạo tài khoản officer_b với vai trò “{catalog('vi')['admin.role.officer']}”"
    )
    own = said(row("user.password", subject="chief_a", detail="self"), "en")
    assert own == "chief_a changed their own password"
    other = said(row("user.password", subject="officer_b", detail="admin"), "en")
    assert other == "chief_a reset the password of the account officer_b"


@pytest.mark.parametrize(
    ("detail", "english"),
    [
        ("rows=1;fmt=csv", "chief_a exported the tip list: 1 tip; a CSV file"),
        ("rows=12;fmt=csv", "chief_a exported the tip list: 12 tips; a CSV file"),
        ("1 rows", "chief_a exported the tip list: 1 tip"),  # written before the pairs
        ("12 rows", "chief_a exported the tip list: 12 tips"),
    ],
)
def test_counts_are_pluralised(detail: str, english: str) -> None:
    assert said(row("tips.export", detail=detail), "en") == english
    assert "tin báo" in said(row("tips.export", detail=detail), "vi")


def test_the_audit_export_counts_entries() -> None:
    one = said(row("audit.export", detail="rows=1;fmt=csv"), "en")
    assert one == "chief_a exported the audit log: 1 entry, a CSV file"
    many = said(row("audit.export", detail="rows=40;fmt=xlsx"), "vi")
    assert many == "chief_a xuất nhật ký kiểm tra: 40 mục, tệp Excel"


def test_system_rows_read_as_sentences() -> None:
    run = row("retention.run", detail="contacts=1;files=3", actor_id=None, username="retention")
    text = said(run, "en")
    assert text.startswith("Data past its retention period was removed")
    assert "1 closed tip" in text and "3 attachments" in text
    unknown = row("signin.failure", detail="unknown_user", actor_id=None, username="")
    assert said(unknown, "vi") == "Có người đăng nhập không thành công: sai tên đăng nhập"


# --- a query string is a filter, never a reason -------------------------------------------


def test_an_export_query_string_is_shown_as_filters_never_as_a_reason() -> None:
    r = row("tips.export", detail="1 rows", reason="status=all")
    assert filter_reason(r)
    assert filters_in_words(r, "vi") == "Trạng thái: Mọi trạng thái"
    full = full_text(r, sentence(r, Named(), "vi"), "30/11/2026 23:30", "vi")
    assert "Lý do" not in full and "status=all" not in full
    audit = row("audit.export", detail="rows=2;fmt=csv", reason="action=tip.reveal&tip=BY-7K3F-Q9")
    words = filters_in_words(audit, "en")
    assert "Revealed a reporter's identity" in words and "BY-7K3F-Q9" in words
    odd = row("stats.export", reason="period=2026-H2&commune=00004")
    assert filter_reason(odd) and filters_in_words(odd, "en") == "period: 2026-H2; commune: 00004"


def test_a_written_reason_stays_a_reason() -> None:
    r = row("tip.reveal", subject=TIP, reason="Cần liên hệ để xác minh")
    assert not filter_reason(r) and filters_in_words(r, "vi") == ""
    full = full_text(r, sentence(r, Named(), "vi"), "30/11/2026 23:30", "vi")
    assert full == (
        "30/11/2026 23:30: chief_a xem danh tính người báo tin của tin báo BY-7K3F-Q9. "
        "Lý do đã ghi: “Cần liên hệ để xác minh”."
    )


# --- never a crash ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("action", "detail"),
    [
        ("tip.frobnicate", ""),
        ("", ""),
        ("tip.status", "garbage"),
        ("tip.extend", "x:y"),
        ("mediation.teams", "nonsense"),
        ("broadcast.cancel", "many queued"),
        ("indicator.confirm", "alien"),
        ("campaign.on", ""),
    ],
)
def test_old_or_unknown_rows_fall_back_to_a_readable_sentence(action: str, detail: str) -> None:
    r = row(action, subject="S-1", detail=detail)
    for lang in LANGUAGES:
        text = said(r, lang)
        assert text.startswith("chief_a ") and "{" not in text, text


def test_an_unknown_code_is_named_as_it_is() -> None:
    assert said(row("tip.frobnicate", subject="S-1"), "en") == (
        "chief_a performed the action “tip.frobnicate” on “S-1”"
    )


# --- a key rotation's detail: six counts in 64 characters, read in both forms ------------------


def rotation(**counts: int) -> Rotation:
    done = Rotation(owner_refs=counts.get("owner", 0))
    for name in ("contacts", "reporters", "totp", "zalo", "honour"):
        getattr(done, name).resealed = counts.get(name, 0)
    return done


def test_a_rotations_detail_keeps_every_count_whole() -> None:
    small = rotation(contacts=3, reporters=6, owner=6, totp=1, zalo=1, honour=1)
    assert small.detail() == "c=3;r=6;o=6;t=1;z=1;h=1"
    # Counts of a big province: the spelled-out form was cut inside its honour pair.
    big = rotation(contacts=1234567, reporters=2345678, owner=2345678, totp=12, zalo=3, honour=987)
    assert big.detail() == "c=1234567;r=2345678;o=2345678;t=12;z=3;h=987"
    huge = rotation(**{k: 10**9 for k in ("contacts", "reporters", "owner", "totp", "zalo")})
    detail = huge.detail()
    assert len(detail) <= 64 and all(p.partition("=")[2] == str(10**9) for p in detail.split(";"))


def test_a_rotation_reads_as_a_sentence_with_the_honour_list() -> None:
    done = rotation(contacts=1234567, reporters=2345678, owner=2345678, totp=12, zalo=3, honour=987)
    r = row("keys.rotate", subject="keys", detail=done.detail(), actor_id=None, username="cli")
    vi, en = said(r, "vi"), said(r, "en")
    assert "niêm phong lại 987 tên trong danh sách vinh danh" in vi
    assert "1234567 tin báo" in vi and "12 khóa xác thực hai bước" in vi
    assert en.endswith(
        "sealed 3 sets of Zalo access tokens again; sealed 987 honour list names again"
    )
    assert "c=" not in vi + en and "h=" not in vi + en
    one = row("keys.rotate", detail="c=0;r=0;o=0;t=0;z=0;h=1", actor_id=None, username="cli")
    assert said(one, "en").endswith("sealed 1 honour list name again")


@pytest.mark.parametrize(
    ("detail", "honour"),
    [
        ("contact=5 reporter=5 owner=5 totp=2 zalo=1", None),  # before the honour list
        ("contact=3 reporter=6 owner=6 totp=1 zalo=1 honour=1", "1"),  # issue 20, first form
        # Cut at 64 characters inside "honour=123": the last pair is not read, never as 1.
        ("contact=12345 reporter=12345 owner=12345 totp=12 zalo=1 honour=123"[:64], None),
        ("contact=12345 reporter=12345 owner=12345 totp=123 zalo=12 honour=1"[:64], None),
    ],
)
def test_older_rotation_rows_still_read(detail: str, honour: str | None) -> None:
    facts = rotation_facts(detail)
    assert facts["contact"] in ("3", "5", "12345") and facts.get("honour") == honour
    text = said(row("keys.rotate", detail=detail, actor_id=None, username="cli"), "vi")
    assert "Niêm phong lại thông tin liên hệ của" in text and "=" not in text
    assert ("tên trong danh sách vinh danh" in text) == (honour is not None)
