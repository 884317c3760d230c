"""Zalo Official Account (Open API v3): a small typed httpx client, the signed webhook, and
consultation ("CS") messages back to residents, through the same delivery layer as Telegram.

Inbound, `POST /webhooks/zalo-oa`:
- `X-ZEvent-Signature: mac=<sha256(app id + raw body + body's timestamp + OA secret key)>`,
  compared in constant time. Missing or wrong → 401: nothing authenticated the request
  (when another candidate secret would have matched, a log line says which, and the request
  is still refused). A well signed body whose timestamp is over 12 h old or over 10 min
  ahead → 403: authentic but refused as a replay. 12 h covers every retry Zalo is reported
  to make (a ladder up to 1 h, or retries for up to 12 h); inside it a replay is a duplicate,
  which the dispatcher's 24 h claim on the event id drops.
- Malformed JSON → 200 and a log line; an error would only make Zalo resend it.
- `oa_send_*` echoes (the OA's own messages), group chat events and unknown events → 200,
  ignored, logged by event name only.
- user_send_text (a leading "/" is a command), _image/_gif (photo), _file (photo or file,
  MIME type from the name), _audio (voice), _video, _location (coordinates are strings and
  have several reported shapes), _link (text), _business_card (someone's card passed on: a
  contact marked forwarded, when its payload has a number; Zalo documents no shape for it),
  _sticker and anything else sent (unsupported: a hint), follow/unfollow (reachability),
  user_submit_info (the resident's own number: a contact with info.phone).
  The event id is message.msg_id, or a digest of event name, timestamp and user.
- Every event from a user (and follow) records their last interaction; the event is
  dispatched at once and the replies go out in the background, so Zalo gets its 200 fast.

Outbound, `POST /v3.0/oa/message/cs`: text in pieces of 2,000 characters; on the last piece,
up to 4 buttons (the count of Zalo's documented templates; more are not known to be
accepted): `oa.open.phone` for the reply's emergency numbers first, then `oa.query.show` for
its choices. A button's title is cut to 35 characters; its payload is the full label, which
comes back as the resident's text and the core takes as that choice. When the choices do
not all fit, all of them are also numbered in the text (typing a number picks one). A
request for a location or a phone number adds a hint from the catalog.

Errors arrive as HTTP 200 with `error` ≠ 0. -216/-220 (token invalid, expired): refresh
once and retry. -32: delivery pauses the app's sends (10 s) and tries again. -230/-232
(outside the 7-day window): given up, never retried. -213/-227 (not following, banned or
inactive): delivery marks the resident unreachable. Network errors, HTTP 5xx and non-JSON:
retried with backoff. Anything else: given up.

Tokens (storage.zalo_oa): a pair in the environment is stored sealed on first use with an
unknown expiry, and used until Zalo refuses it; a refreshed one (25 h) is renewed when under
5 h remain (should that fail, the still valid token is used and the refresh tried again a
minute later). `send_to` is for messages no event triggered (police answers): it sends only
within 7 days of the user's last recorded interaction, and otherwise attempts nothing and
says so. Rates: 60 calls/s per app (Zalo reports 4,000/min), 1/s per user after 3 at once.

Nothing here logs a token, a user id, a URL or what anyone wrote: event names, error types
and codes only.
"""

from bot.channels.zalo_oa.channel import Rates, ZaloOaChannel, build
from bot.channels.zalo_oa.client import OaClient, TokenRefused, WindowClosed, ZaloError
from bot.channels.zalo_oa.events import CHANNEL, coordinates, to_event
from bot.channels.zalo_oa.outcome import SendResult, SendStatus
from bot.channels.zalo_oa.render import MAX_BUTTONS, TEXT_LIMIT, TITLE_LIMIT, render, utf16_length
from bot.channels.zalo_oa.signature import event_time, is_fresh, signature, verify
from bot.channels.zalo_oa.webhook import router

__all__ = [
    "CHANNEL",
    "MAX_BUTTONS",
    "TEXT_LIMIT",
    "TITLE_LIMIT",
    "OaClient",
    "Rates",
    "SendResult",
    "SendStatus",
    "TokenRefused",
    "WindowClosed",
    "ZaloError",
    "ZaloOaChannel",
    "build",
    "coordinates",
    "event_time",
    "is_fresh",
    "render",
    "router",
    "signature",
    "to_event",
    "utf16_length",
    "verify",
]
