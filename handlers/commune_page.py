"""The commune's own page (issue 21): how residents reach their commune police. The chief of
the commune fills it in the panel (/admin/commune-page); residents read it from the bot's
menu ("📞 Liên hệ Công an xã/phường", handlers/police_contact.py).

What it is:
- the unit's details (`UnitPage`): its phone, address, opening hours and a short note;
- public contacts (`Contact`) beside it: neighbourhood leaders, grassroots mediation teams and
  others residents may call, each with the area it covers, in the order the chief gives
  (`position`).

Everything on it is shown to every resident of the commune. A phone number is read by the
service's one phone reader (content/phones.py) and must be a Vietnamese mobile or landline,
or a line of the police's own network (069, `police_line`); listing a person's number needs
their agreement, confirmed on the form whenever a number is new to the list or goes with a
new name. A number goes only where it is asked for: the address, hours, note, a contact's
name or area holding one is refused (nobody's number is published without their agreement
through a free field). A contact's name, and its area when given, hold a letter or a digit.
The unit's card (`card_text`) must fit a phone screen in both languages with its buttons,
measured as awareness cards are (content/screen.py): a page that would not is refused,
saying how many rows it takes.

Who may:
- the chief of the commune reads and changes it;
- an officer of the commune reads it; a province admin reads a commune of their province;
- a leader, or anyone else, is `Forbidden`; a commune outside the reader's area, or a contact
  of another commune, is `NotFound`.

Every change writes one audit row (AuditAction.COMMUNE_PAGE) about the commune
("commune:<code>"), whose detail names the change ("page", "add:<name>", "edit:<name>",
"remove:<name>"), never a phone number: a name with as many digits as a number has (one kept
from before numbers were refused in names) is named by its id ("add:#12"). A change to what
is already so writes nothing.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, replace
from datetime import datetime
from enum import StrEnum
from typing import Protocol

from content import phones, screen
from content.i18n import LANGUAGES, translate
from content.text import fold, has_words
from handlers import commune_lists as lists
from handlers.audit import commune_subject
from handlers.commune_lists import in_area, one_line
from handlers.errors import BadInput, Forbidden, NotFound
from handlers.people import AdminRole, Identity
from handlers.ports import utc_now

MAX_ADDRESS = 150
MAX_HOURS = 100
MAX_NOTE = 200
MAX_NAME = 80
MAX_AREA = 80
MAX_CONTACTS = 30
MAX_POSITION = 999
READERS = lists.READERS
# The buttons of one reply, calls and choices together: Zalo OA shows four
# (bot/channels/zalo_oa/render.py), so no reply of the page has more. The unit's card fills
# what its choices leave with the unit's call and 113, 114, 115 (handlers/police_contact.py);
# each button is a row of the screen.
MAX_BUTTONS = 4
NAV_ROWS = 2  # the ways home under the contacts: the menu, the emergency numbers
CARD_ROWS = screen.SCREEN_ROWS - MAX_BUTTONS
# The police's own network (Bộ Công an): 069 and seven digits ("069.234.2593", the Ministry's
# hotline; "069.2196.777", Hanoi police's), which libphonenumber does not know.
_POLICE_LINE = re.compile(r"(?:\+84|84|0)(69\d{7})")
_SEPARATORS = re.compile(r"[ \t\u00a0.\-()]")
# Separators the phone reader does not know, read as its "-" when looking for a hidden number
# (a comma is not one: "tổ 09, 10, 11, 12, 13" is a list of groups, not a number).
_ODD_SEPARATORS = re.compile(r"[\u2010-\u2015\u2212\u30fc\u3001/\\_|\[\]*~:;'\"#·•]")
# A number written digit by digit, whatever between the digits ("0 9 1 2 …", "0-9-1-2 …"),
# maybe after a country code ("+84 9 1 2 …").
_ONE_BY_ONE = re.compile(r"(?:\+?\d{1,4}[^\w,]+)?\d(?:[^\w,]+\d(?!\d)){7,14}")
# "O912…": a letter O typed for the first zero.
_LETTER_ZERO = re.compile(r"(?<!\w)[Oo](?=\d{7})")


def _(msgid: str) -> str:
    """Marks a catalog id for extraction; translated where the text is built."""
    return msgid


class ContactKind(StrEnum):
    LEADER = "leader"  # trưởng thôn, tổ trưởng tổ dân phố
    MEDIATION = "mediation"  # tổ hòa giải ở cơ sở
    OTHER = "other"


# The kinds in the order residents read them, each with its heading.
KIND_WORDS = {
    ContactKind.LEADER: _("police.kind.leader"),
    ContactKind.MEDIATION: _("police.kind.mediation"),
    ContactKind.OTHER: _("police.kind.other"),
}


@dataclass(frozen=True)
class UnitPage:
    """The unit's own details; all "" until the chief fills them in."""

    commune_code: str
    phone: str = ""  # E.164
    address: str = ""
    hours: str = ""
    note: str = ""
    updated_at: datetime | None = None
    updated_by: str = ""

    @property
    def filled(self) -> bool:
        return bool(self.phone or self.address or self.hours or self.note)


@dataclass(frozen=True)
class Contact:
    id: int
    commune_code: str
    kind: ContactKind
    name: str
    area: str
    phone: str  # E.164
    position: int


@dataclass(frozen=True)
class PublicPage:
    """What residents of the commune see: the unit's details and its contacts, in order."""

    page: UnitPage
    contacts: tuple[Contact, ...] = ()

    @property
    def empty(self) -> bool:
        return not self.page.filled and not self.contacts


class PageReader(Protocol):
    """The resident's side (UnitOfWork.commune_pages): reads only."""

    async def public(self, commune_code: str) -> PublicPage:
        """The commune's page and its contacts `in_order`; an empty page when none."""
        ...


class PageStore(PageReader, Protocol):
    """The panel's side, in the request's session: the route commits once."""

    async def save(self, page: UnitPage) -> None:
        """Insert or replace the commune's details."""
        ...

    async def contact(self, contact_id: int) -> Contact | None: ...

    async def add_contact(
        self,
        commune_code: str,
        kind: ContactKind,
        name: str,
        area: str,
        phone: str,
        position: int,
        now: datetime,
    ) -> Contact: ...

    async def update_contact(self, contact: Contact, now: datetime) -> None: ...

    async def remove_contact(self, contact_id: int) -> None: ...

    async def audit(
        self, actor: Identity, *, subject: str, detail: str, ip: str, now: datetime
    ) -> None:
        """One COMMUNE_PAGE audit row."""
        ...


def in_order(contacts: list[Contact] | tuple[Contact, ...]) -> tuple[Contact, ...]:
    """By kind (leaders, mediation teams, others), then the chief's order, then name."""
    kinds = list(ContactKind)
    return tuple(
        sorted(
            contacts,
            key=lambda c: (kinds.index(c.kind), c.position, c.name.casefold(), c.id),
        )
    )


# -- who may ------------------------------------------------------------------------------


def check_reads(actor: Identity, commune_code: str) -> None:
    lists.check_reads(actor, commune_code, "a commune's page")


def manages(actor: Identity, commune_code: str) -> bool:
    """Only the commune's own chief changes its page."""
    return lists.is_chief_of(actor, commune_code)


def check_manages(actor: Identity, commune_code: str) -> None:
    """Forbidden to anyone but the commune's chief; a commune (or a contact's commune)
    outside a reader's area stays NotFound, as for reading it."""
    if actor.role is not AdminRole.CHIEF and (not commune_code or in_area(actor, commune_code)):
        raise Forbidden(detail="only the commune's chief changes its page")
    check_reads(actor, commune_code)
    if not manages(actor, commune_code):
        raise Forbidden(detail="only the commune's chief changes its page")


# -- what is typed ------------------------------------------------------------------------


def checked_text(raw: str, code: str, longest: int) -> str:
    """A free field's text: at most `longest` characters, and no phone number in it."""
    text = one_line(raw)
    if len(text) > longest:
        raise BadInput(code, f"at most {longest} characters", max=longest, length=len(text))
    hidden = next(hidden_numbers(text), None)
    if hidden is not None:
        raise BadInput("commune_text_phone", "a number in a free field", phone=hidden)
    return text


def hidden_numbers(text: str) -> Iterator[str]:
    """The personal phone numbers in a text, also written to slip past the phone reader: in
    fullwidth, circled or another script's digits ("０９１２…"), with invisible characters or
    marks between the digits, a letter O for the first zero, split by other separators
    ("0912–345–678", "0912/345/678", "0912·345·678") or digit by digit ("0 9 1 2 …"). A
    1800/1900 service line is nobody's own; a date ("01/01/2026"), hours ("7:30–11:30") or a
    list of groups ("tổ 09, 10, 11, 12, 13") is no number."""
    plain = "".join(
        str(unicodedata.digit(ch)) if ch.isdecimal() else ch
        for ch in unicodedata.normalize("NFKC", text)
        if unicodedata.category(ch) not in ("Cf", "Mn")  # soft hyphens, joiners, marks
    )
    plain = _LETTER_ZERO.sub("0", plain)
    for written in (plain, _ODD_SEPARATORS.sub("-", plain)):
        for start, end, number in phones.find(written):
            if number.personal:
                yield written[start:end]
    for run in _ONE_BY_ONE.finditer(plain):
        digits = "".join(ch for ch in run.group(0) if ch.isdigit())
        joined = phones.parse(("+" if run.group(0).startswith("+") else "") + digits)
        if joined is not None and joined.personal:
            yield run.group(0)


def police_line(typed: str) -> str | None:
    """A number of the police's own network (069 and seven digits) in E.164, or None."""
    found = _POLICE_LINE.fullmatch(_SEPARATORS.sub("", typed))
    return f"+84{found[1]}" if found else None


def checked_phone(raw: str, code: str, *, required: bool) -> str:
    """A Vietnamese mobile or landline, or a police line, in E.164; "" when none was typed
    and none is needed."""
    typed = one_line(raw)
    if not typed and not required:
        return ""
    number = phones.parse(typed) if typed else None
    if number is not None and number.vietnamese and number.personal:
        return number.e164
    line = police_line(typed)
    if line is None:
        raise BadInput(code, "not a Vietnamese mobile or landline", phone=typed[:40])
    return line


def shown_phone(e164: str) -> str:
    """A stored number as people read it: "0912 345 678", "024 3823 4567", "069 234 2593"."""
    line = police_line(e164)
    return f"0{line[3:5]} {line[5:8]} {line[8:]}" if line else phones.shown(e164)


def checked_kind(raw: str) -> ContactKind:
    try:
        return ContactKind(raw.strip())
    except ValueError:
        raise BadInput("commune_contact_kind", "no such kind of contact") from None


def checked_position(raw: str, contacts: list[Contact] | tuple[Contact, ...]) -> int:
    """The place typed (1 to 999), or after the last one when none was."""
    typed = raw.strip()
    if not typed:
        return min(max((c.position for c in contacts), default=0) + 1, MAX_POSITION)
    if not typed.isdecimal() or not 1 <= int(typed) <= MAX_POSITION:
        raise BadInput("commune_contact_position", "not a place in the list", max=MAX_POSITION)
    return int(typed)


# -- how residents see it -----------------------------------------------------------------


def unit_name(commune_name: str, lang: str) -> str:
    return translate(_("police.title"), lang, {"commune": commune_name})


def card_text(page: UnitPage, commune_name: str, lang: str, *, anything: bool = True) -> str:
    """The unit's card as residents read it: its name, the details filled in (or a plain word
    that there are none), then the emergency numbers. `anything`: whether the page has
    anything at all, contacts included; when not, residents are told they may still send a
    tip."""
    lines = [unit_name(commune_name, lang)]
    if page.phone:
        lines.append(translate(_("police.phone"), lang, {"phone": shown_phone(page.phone)}))
    if page.address:
        lines.append(translate(_("police.address"), lang, {"address": page.address}))
    if page.hours:
        lines.append(translate(_("police.hours"), lang, {"hours": page.hours}))
    if page.note:
        lines.append(translate(_("police.note"), lang, {"note": page.note}))
    if not page.filled:
        lines.append(translate(_("police.not_filled"), lang))
        if not anything:
            lines.append(translate(_("police.tip_instead"), lang))
    lines += ["", translate(_("police.emergency"), lang)]
    return "\n".join(lines)


def card_rows(page: UnitPage, commune_name: str, lang: str) -> int:
    """The rows the card's text takes on a phone screen."""
    return len(screen.rows(card_text(page, commune_name, lang)))


def check_fits(page: UnitPage, commune_name: str) -> None:
    """The card and its buttons on one phone screen, in every language."""
    for lang in LANGUAGES:
        rows = card_rows(page, commune_name, lang)
        if rows > CARD_ROWS:
            raise BadInput("commune_page_screen", "too long for a phone", rows=rows, max=CARD_ROWS)


def dial(e164: str) -> str:
    """A stored number as a phone dials it inside Vietnam: "+842438234567" → "02438234567"."""
    return "".join(ch for ch in shown_phone(e164) if ch.isdigit() or ch == "+")


# -- use cases ----------------------------------------------------------------------------


def _subject(commune_code: str) -> str:
    return commune_subject(commune_code)


async def page_of(store: PageReader, actor: Identity, commune_code: str) -> PublicPage:
    """The commune's page as the panel shows it to a reader."""
    check_reads(actor, commune_code)
    found = await store.public(commune_code)
    return PublicPage(found.page, in_order(found.contacts))


async def save(
    store: PageStore,
    actor: Identity,
    commune_code: str,
    commune_name: str,
    *,
    phone: str = "",
    address: str = "",
    hours: str = "",
    note: str = "",
    ip: str = "",
    now: datetime | None = None,
) -> UnitPage:
    """The unit's details, each optional; refused when one is wrong or the card would not
    fit a phone screen."""
    check_manages(actor, commune_code)
    wanted = UnitPage(
        commune_code,
        phone=checked_phone(phone, "commune_page_phone", required=False),
        address=checked_text(address, "commune_page_address", MAX_ADDRESS),
        hours=checked_text(hours, "commune_page_hours", MAX_HOURS),
        note=checked_text(note, "commune_page_note", MAX_NOTE),
    )
    found = (await store.public(commune_code)).page
    same = (found.phone, found.address, found.hours, found.note)
    if same == (wanted.phone, wanted.address, wanted.hours, wanted.note):
        return found
    check_fits(wanted, commune_name)
    now = now or utc_now()
    saved = replace(wanted, updated_at=now, updated_by=actor.username)
    await store.save(saved)
    await store.audit(actor, subject=_subject(commune_code), detail="page", ip=ip, now=now)
    return saved


@dataclass(frozen=True)
class Typed:
    """A contact as typed into the panel's form."""

    kind: str = ""
    name: str = ""
    area: str = ""
    phone: str = ""
    position: str = ""
    agreed: bool = False


def _checked_name(raw: str) -> str:
    """A name with a letter or a digit in it: not blank, not only emoji or symbols."""
    name = checked_text(raw, "commune_contact_name", MAX_NAME)
    if not has_words(name):
        raise BadInput("commune_contact_name", "a contact has a name", max=MAX_NAME)
    return name


def _checked_area(raw: str) -> str:
    """What a contact covers, if anything: then with a letter or a digit in it."""
    area = checked_text(raw, "commune_contact_area", MAX_AREA)
    if area and not has_words(area):
        raise BadInput("commune_contact_area_words", "an area without a word")
    return area


def _named(contact: Contact) -> str:
    """A contact as the audit names it: its name, or its id when the name has as many digits
    as a phone number (the audit never carries a number)."""
    digits = sum(ch.isdigit() for ch in contact.name)
    return f"#{contact.id}" if digits >= phones.MIN_DIGITS else contact.name


async def add_contact(
    store: PageStore,
    actor: Identity,
    commune_code: str,
    typed: Typed,
    *,
    ip: str = "",
    now: datetime | None = None,
) -> Contact:
    check_manages(actor, commune_code)
    kind, name = checked_kind(typed.kind), _checked_name(typed.name)
    area = _checked_area(typed.area)
    phone = checked_phone(typed.phone, "commune_contact_phone", required=True)
    contacts = (await store.public(commune_code)).contacts
    if len(contacts) >= MAX_CONTACTS:
        raise BadInput("commune_contacts_full", "the list is full", max=MAX_CONTACTS)
    position = checked_position(typed.position, contacts)
    _check_not_listed(contacts, name, phone)
    if not typed.agreed:
        raise BadInput("commune_contact_consent", "the person's agreement is not confirmed")
    now = now or utc_now()
    made = await store.add_contact(commune_code, kind, name, area, phone, position, now)
    detail = f"add:{_named(made)}"
    await store.audit(actor, subject=_subject(commune_code), detail=detail, ip=ip, now=now)
    return made


def _check_not_listed(
    contacts: Sequence[Contact], name: str, phone: str, *, but: int | None = None
) -> None:
    """The same person (name as typed with or without marks, and number) is listed once."""
    if any(c.id != but and c.phone == phone and fold(c.name) == fold(name) for c in contacts):
        raise BadInput("commune_contact_listed", "already on the list", name=name)


async def _held(store: PageStore, actor: Identity, contact_id: int) -> Contact:
    found = await store.contact(contact_id)
    if found is None:
        raise NotFound(detail="no such contact")
    check_reads(actor, found.commune_code)  # another commune's contact: NotFound
    check_manages(actor, found.commune_code)
    return found


async def update_contact(
    store: PageStore,
    actor: Identity,
    contact_id: int,
    typed: Typed,
    *,
    ip: str = "",
    now: datetime | None = None,
) -> Contact:
    """A contact's new kind, name, area, phone and place; a new number, or the number under
    a new name (maybe another person's now), needs the person's agreement confirmed again."""
    found = await _held(store, actor, contact_id)
    kind, name = checked_kind(typed.kind), _checked_name(typed.name)
    area = _checked_area(typed.area)
    phone = checked_phone(typed.phone, "commune_contact_phone", required=True)
    position = checked_position(typed.position or str(found.position), ())
    if (phone != found.phone or name != found.name) and not typed.agreed:
        raise BadInput("commune_contact_consent", "the person's agreement is not confirmed")
    others = (await store.public(found.commune_code)).contacts
    _check_not_listed(others, name, phone, but=found.id)
    wanted = replace(found, kind=kind, name=name, area=area, phone=phone, position=position)
    if wanted == found:
        return found
    now = now or utc_now()
    await store.update_contact(wanted, now)
    detail = f"edit:{_named(wanted)}"
    await store.audit(actor, subject=_subject(found.commune_code), detail=detail, ip=ip, now=now)
    return wanted


async def remove_contact(
    store: PageStore,
    actor: Identity,
    contact_id: int,
    *,
    ip: str = "",
    now: datetime | None = None,
) -> Contact:
    """Off the list for good: a person who withdraws their agreement leaves no number behind."""
    found = await _held(store, actor, contact_id)
    now = now or utc_now()
    await store.remove_contact(found.id)
    detail = f"remove:{_named(found)}"
    await store.audit(actor, subject=_subject(found.commune_code), detail=detail, ip=ip, now=now)
    return found
