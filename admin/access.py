"""Who may open the export, statistics and indicator routes.

Police roles (officer, chief, province admin) only; a leader is refused with `Forbidden`
(403), which admin/errors.py answers with the panel's error page, or for the JSON API with
`{"error": {"code", "message"}}` as every /api/v1 route does, the message in the caller's
language.
"""

from __future__ import annotations

from fastapi import Request

from admin import auth
from admin.errors import Unauthenticated
from content.i18n import translate
from handlers.errors import Forbidden
from handlers.people import AdminRole, Identity
from storage.db import AsyncSession

POLICE = frozenset({AdminRole.OFFICER, AdminRole.CHIEF, AdminRole.PROVINCE_ADMIN})


def is_police(identity: Identity) -> bool:
    return identity.role in POLICE


def require_police(identity: Identity) -> None:
    if not is_police(identity):
        raise Forbidden(detail="police roles only")


def error_message(code: str, lang: str) -> str:
    """The catalog text of "panel.error.<code>", or the generic one when there is none."""
    msgid = f"panel.error.{code}"
    text = translate(msgid, lang)
    return text if text != msgid else translate("panel.error.generic", lang)


async def api_police(request: Request, db: AsyncSession) -> Identity:
    """The API caller, refused unless they may use these routes (401 or 403)."""
    identity = await auth.api_identity(request, db)
    if identity is None:
        raise Unauthenticated()
    require_police(identity)
    return identity
