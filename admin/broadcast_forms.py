"""The compose form of a broadcast: what the sender typed, read from the form and carried
through the preview and any refusal unchanged, with its one optional photo, and the preview
itself, the message exactly as a resident will read it (handlers/broadcasts/message.py). Only
parsing and showing live here; every rule is the use cases' (handlers/broadcasts/), and what a
photo may be is handlers/broadcasts/photo.py's."""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from urllib.parse import urlencode

from starlette.datastructures import FormData, UploadFile

from content import areas
from content.i18n import DEFAULT_LANGUAGE, translate
from content.text import clean
from handlers.broadcasts import area, compose
from handlers.broadcasts.message import Copy, message
from handlers.broadcasts.photo import MAX_PHOTO_BYTES
from handlers.broadcasts.ports import Broadcast, BroadcastStore, Neighbourhood
from handlers.broadcasts.words import MAX_TEXT, BroadcastKind, BroadcastStatus
from handlers.errors import NotFound
from handlers.model import Label, Localized, Msg
from handlers.people import AdminRole, Identity
from handlers.ports import utc_now

# The largest form body the compose routes read: well past a photo's limit, so that a photo a
# little too large is answered with the form and the limit (photo.py), not cut off with 413.
MAX_FORM_BODY = 4 * MAX_PHOTO_BYTES
DRAFT_PHOTO = "/admin/broadcasts/new/photo"
# Far more than a notice may hold: the use case refuses past MAX_TEXT with a message naming
# the limit, and the form shows the text again; this only stops a body that is no notice.
MAX_FIELD = MAX_TEXT * 4
MAX_CHOICES = area.MAX_COMMUNES * 5


def _texts(form: FormData, name: str, size: int) -> tuple[str, ...]:
    values = form.getlist(name)[:MAX_CHOICES]
    return tuple(dict.fromkeys(v.strip()[:size] for v in values if isinstance(v, str)))


def chosen_file(form: FormData, name: str = "photo") -> UploadFile | None:
    """The file chosen in the form's file input; None when none was (a browser posts an
    empty part with no file name then). A chosen file that is empty is still a file: the
    photo check refuses it, saying so."""
    value = form.get(name)
    if not isinstance(value, UploadFile):
        return None
    if not value.filename and not value.size:
        return None
    return value


async def read_photo(upload: UploadFile) -> bytes:
    """At most one byte past the limit: enough for the check to refuse a larger file."""
    return await upload.read(MAX_PHOTO_BYTES + 1)


@dataclass(frozen=True)
class KeptPhoto:
    """A photo already checked and kept in the blob store (storage/broadcasts/photos.py),
    carried through the preview by `sealed`: its reference and type with a MAC of this
    session (admin/broadcasts.py), so that a form can name no other file of the store."""

    ref: str
    mime: str
    sealed: str

    @property
    def url(self) -> str:
        """Where the panel shows it before it is sent (its sender's session only)."""
        return f"{DRAFT_PHOTO}?{urlencode({'kept': self.sealed})}"


@dataclass(frozen=True)
class Typed:
    """What the sender typed and chose, as posted: shown back in the form whatever happens.
    The photo is set by the route, once it is checked (a chosen file) or its seal is (one
    carried by the form)."""

    text: str = ""
    kind: str = BroadcastKind.ALERT.value
    communes: tuple[str, ...] = ()
    neighbourhoods: tuple[str, ...] = ()
    photo: KeptPhoto | None = None

    @classmethod
    def of(cls, form: FormData) -> Typed:
        text, kind = form.get("text", ""), form.get("kind", "")
        return cls(
            text=text[:MAX_FIELD] if isinstance(text, str) else "",
            kind=kind.strip()[:16] if isinstance(kind, str) else "",
            communes=_texts(form, "communes", 8),
            neighbourhoods=_texts(form, "neighbourhoods", 12),
        )

    def draft(self) -> compose.Draft:
        """The use case's draft; a neighbourhood that is no id is none of the sender's."""
        if not all(n.isdigit() for n in self.neighbourhoods):
            raise NotFound(detail="no such neighbourhood in your area")
        ids = tuple(int(n) for n in self.neighbourhoods)
        ref, mime = (self.photo.ref, self.photo.mime) if self.photo else ("", "")
        return compose.Draft(self.text, self.kind, self.communes, ids, ref, mime)

    def with_photo(self, photo: KeptPhoto | None) -> Typed:
        return replace(self, photo=photo)

    def length(self) -> int:
        """The length the use case measures (after its cleaning), for the counter."""
        return len(clean(self.text))


@dataclass(frozen=True)
class Choices:
    """What the form offers this sender: the communes of a province admin's province, and the
    neighbourhoods they may pick among (none: the form has no such list)."""

    communes: tuple[areas.Commune, ...] = ()
    neighbourhoods: list[Neighbourhood] = field(default_factory=list)
    everyone: str = "commune"  # who "no neighbourhood chosen" reaches: its words' key


async def choices(store: BroadcastStore, actor: Identity, typed: Typed) -> Choices:
    if actor.role is AdminRole.PROVINCE_ADMIN:
        mine = areas.communes_of(actor.province_code)
        # Only the province's own communes are asked about: a forged code lists nothing.
        known = {c.code for c in mine}
        chosen = tuple(c for c in typed.communes if c in known)
        offered = await area.offered_neighbourhoods(store, actor, chosen) if chosen else []
        return Choices(mine, offered, "province")
    offered = await area.offered_neighbourhoods(store, actor, (actor.commune_code,))
    bound = actor.role is AdminRole.LEADER and bool(await store.leader_neighbourhoods(actor.id))
    return Choices((), offered, "leader" if bound else "commune")


@dataclass(frozen=True)
class Preview:
    """The message as residents will read it, in its parts (who sends it, the text, how to
    stop such messages), and whether it waits for the police's approval first."""

    parts: tuple[str, ...]
    waits: bool
    communes: tuple[str, ...] = ()
    neighbourhoods: tuple[str, ...] = ()
    photo: KeptPhoto | None = None  # shown above the text, as the channels send it


def _render(label: Label, lang: str) -> str:
    """A part of a resident's message in their language, as the bot renders it (the panel
    does not import bot/render.py: admin/ stays apart from the runtime)."""
    if isinstance(label, Msg):
        params = {
            k: _render(v, lang) if isinstance(v, Msg | Localized) else v
            for k, v in label.params.items()
        }
        return translate(label.id, lang, params or None)
    if isinstance(label, Localized):
        return label.en if lang == "en" else label.vi
    return label


async def preview(store: BroadcastStore, actor: Identity, typed: Typed) -> Preview:
    """Check the draft as sending would (text, kind, area) and show what residents get; a
    refusal is the use case's own. Most residents read Vietnamese: the preview is in it."""
    draft = typed.draft()
    text, kind = compose.checked_text(draft.text), compose.checked_kind(draft.kind)
    communes, ids = await area.addressed(store, actor, draft.communes, draft.neighbourhoods)
    named = {n.id: n.name for n in await area.offered_neighbourhoods(store, actor, communes)}
    names = tuple(named[n] for n in ids if n in named)
    broadcast = Broadcast(
        id="",
        kind=kind,
        text=text,
        status=BroadcastStatus.PENDING,
        sender_id=actor.id,
        sender_role=actor.role,
        province_code=actor.province_code,
        communes=communes,
        neighbourhoods=ids,
        created_at=utc_now(),
    )
    reply = message(Copy(broadcast, names))
    parts = reply.text if isinstance(reply.text, tuple) else (reply.text,)
    waits = actor.role is AdminRole.LEADER and await store.leader_approval(actor.commune_code)
    shown = tuple(_render(p, DEFAULT_LANGUAGE) for p in parts)
    return Preview(shown, waits, communes, names, typed.photo)
