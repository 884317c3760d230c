"""`GET /`: a small landing page for whoever opens the service's address: the web chat, the
panel for police officers, and the emergency numbers as tap-to-call links.

The page is in the panel's language choice (`?lang=`, then its cookie; Vietnamese by default),
with a link to the other language; it has no script, uses the panel's stylesheet and carries
the service's security headers (admin/web.py `security_headers`, handed over by bot/app.py
as `app.state.landing_headers`: only the app factory imports the panel). The template is
bot/templates/landing.html (shipped as package data); the words come from the catalogs
through `translate` below.
"""

from __future__ import annotations

from functools import cache
from pathlib import Path

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse
from jinja2 import Environment, StrictUndefined, Template

from content.i18n import LANGUAGES, language, translate

LANG_COOKIE = "lang"  # the panel's (admin/auth.py `LANG_COOKIE`): one choice for both
EMERGENCY = ("113", "114", "115")  # police, fire, ambulance: free, 24/7

router = APIRouter(include_in_schema=False)


TEMPLATE = Path(__file__).parent / "templates" / "landing.html"


@cache
def _template() -> Template:
    page = TEMPLATE.read_text(encoding="utf-8")
    return Environment(autoescape=True, undefined=StrictUndefined).from_string(page)


def page_lang(request: Request) -> str:
    """`?lang=` wins, then the language cookie the panel sets, then Vietnamese."""
    asked = request.query_params.get("lang")
    if asked in LANGUAGES:
        return str(asked)
    return language(request.cookies.get(LANG_COOKIE))


def _words(lang: str, other: str) -> dict[str, str]:
    return {
        "title": translate("landing.title", lang),
        "lead": translate("landing.lead", lang),
        "chat": translate("landing.chat", lang),
        "chat_note": translate("landing.chat_note", lang),
        "emergency": translate("landing.emergency", lang),
        "panel": translate("landing.panel", lang),
        "panel_note": translate("landing.panel_note", lang),
        "other": translate(f"lang.{other}", other),  # the other language, in its own words
    }


def render(lang: str) -> str:
    other = next(code for code in LANGUAGES if code != lang)
    calls = [(n, translate(f"emergency.call_{n}", lang)) for n in EMERGENCY]
    return _template().render(lang=lang, other=other, t=_words(lang, other), calls=calls)


@router.get("/")
async def landing(request: Request) -> HTMLResponse:
    headers: dict[str, str] = request.app.state.landing_headers
    lang = page_lang(request)
    response = HTMLResponse(render(lang), headers=headers)
    if request.query_params.get("lang") == lang:  # chosen here: the panel opens in it too
        response.set_cookie(LANG_COOKIE, lang, path="/", samesite="lax", httponly=True)
    return response
