"""Telegram: a thin adapter on python-telegram-bot's `Bot`, models and errors.

Inbound, by webhook (`POST /webhooks/telegram`) or by long polling: the update is parsed by
PTB, turned into the neutral event and handed to the dispatcher, which claims its
update_id (24 h), handles it and commits. The webhook answers 200 once that is done; the
replies go out through delivery in the background, in order per chat.

Outbound: inline keyboards for choices (callback_data holds the choice id, or a digest of
it the core resolves from the state), reply keyboards for a location or a phone number,
text split at 4,096 characters, and an answer to every callback query.

Nothing here logs a chat id, a user id or what a resident wrote.
"""

from __future__ import annotations

import asyncio
import base64
import contextlib
import hashlib
import hmac
import json
import logging
import warnings
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, replace
from datetime import timedelta
from typing import Any

import telegram
from fastapi import APIRouter, Request, Response
from telegram import error as tg_error
from telegram.request import HTTPXRequest

from bot.delivery import Delivery, RetryLater, Target, Transient, Unreachable
from bot.dispatcher import Dispatcher
from bot.render import split
from bot.settings import Settings
from content.i18n import translate
from handlers.model import (
    InboundEvent,
    Kind,
    Media,
    MediaType,
    RenderedReply,
    SystemEvent,
    button_payload,
)
from handlers.model import Request as Ask
from handlers.ports import MediaUnavailable
from storage.limits import Limit

log = logging.getLogger("binhyen.telegram")

CHANNEL = "telegram"
TEXT_LIMIT = 4096
CALLBACK_LIMIT = 64  # bytes
MAX_UPDATE_BYTES = 1_000_000
DOWNLOAD_LIMIT = 20 * 1024 * 1024  # getFile serves files up to 20 MB
ALLOWED_UPDATES = ["message", "callback_query", "my_chat_member"]
POLL_TIMEOUT = 25  # seconds a getUpdates call waits for news


@dataclass(frozen=True)
class Rates:
    """Telegram's published limits: ~30 messages/s per bot, 1/s per chat (short bursts
    tolerated), 20/min per group."""

    per_bot: float = 30.0
    per_chat: float = 1.0
    chat_burst: int = 3
    per_group_minute: float = 20.0


def webhook_secret(settings: Settings) -> str:
    """The secret Telegram sends in X-Telegram-Bot-Api-Secret-Token: the configured one, or
    one derived from BINHYEN_SECRET_KEY (1-256 characters of A-Z a-z 0-9 _ -)."""
    if settings.telegram_webhook_secret is not None:
        return settings.telegram_webhook_secret.get_secret_value()
    key = settings.secret_key.get_secret_value().encode()
    digest = hmac.new(key, b"binhyen telegram webhook", hashlib.sha256).digest()
    return base64.urlsafe_b64encode(digest).decode().rstrip("=")


def _retry_after(exc: tg_error.RetryAfter) -> float:
    value = getattr(exc, "_retry_after", None)
    if value is None:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            value = exc.retry_after
    return value.total_seconds() if isinstance(value, timedelta) else float(value)


async def _call(make: Callable[[], Awaitable[Any]]) -> Any:
    """One Bot API call, its errors in delivery's terms."""
    try:
        return await make()
    except tg_error.RetryAfter as exc:
        raise RetryLater(_retry_after(exc)) from exc
    except tg_error.Forbidden as exc:
        raise Unreachable() from exc
    except (tg_error.TimedOut, tg_error.NetworkError) as exc:
        if isinstance(exc, tg_error.BadRequest):  # a subclass of NetworkError in PTB
            raise
        raise Transient(type(exc).__name__) from exc


# -- inbound ---------------------------------------------------------------------------


def _media(message: telegram.Message) -> Media | None:
    caption = message.caption or None
    if message.photo:
        best = message.photo[-1]  # the largest size
        return Media(MediaType.PHOTO, best.file_id, "image/jpeg", best.file_size, caption)
    if message.video:
        v = message.video
        return Media(MediaType.VIDEO, v.file_id, v.mime_type or "video/mp4", v.file_size, caption)
    if message.video_note:
        vn = message.video_note
        return Media(MediaType.VIDEO, vn.file_id, "video/mp4", vn.file_size, caption)
    if message.voice:
        vo = message.voice
        return Media(MediaType.VOICE, vo.file_id, vo.mime_type or "audio/ogg", vo.file_size)
    if message.audio:
        au = message.audio
        mime = au.mime_type or "audio/mpeg"
        return Media(MediaType.VOICE, au.file_id, mime, au.file_size, caption)
    if message.document:
        doc = message.document
        mime = doc.mime_type or "application/octet-stream"
        kind = MediaType.PHOTO if mime.startswith("image/") else MediaType.FILE
        return Media(kind, doc.file_id, mime, doc.file_size, caption)
    return None


def _command(message: telegram.Message) -> tuple[str, str] | None:
    """("start", "payload") for a message that starts with a bot command."""
    text = message.text or ""
    entities = message.entities or ()
    first = next((e for e in entities if e.offset == 0), None)
    if first is None or first.type != telegram.MessageEntity.BOT_COMMAND:
        return None
    name = text[1 : first.length].split("@", 1)[0]
    return name, text[first.length :].strip()


def to_event(update: telegram.Update, account: str) -> InboundEvent | None:
    """The neutral event for an update, or None for what the bot does not take: other
    update types, and anything outside a private chat (a tip is never read in a group)."""
    event_id = str(update.update_id)
    query = update.callback_query
    if query is not None:
        chat = query.message.chat if query.message is not None else None
        if chat is not None and chat.type != telegram.Chat.PRIVATE:
            return None
        user = str(query.from_user.id)
        chat_id = str(chat.id) if chat is not None else user
        return InboundEvent(
            CHANNEL, account, chat_id, user, event_id, Kind.CHOICE, choice=query.data or ""
        )
    member = update.my_chat_member
    if member is not None:
        if member.chat.type != telegram.Chat.PRIVATE:
            return None
        status = member.new_chat_member.status
        blocked = status in (telegram.ChatMember.BANNED, telegram.ChatMember.LEFT)
        return InboundEvent(
            CHANNEL,
            account,
            str(member.chat.id),
            str(member.from_user.id),
            event_id,
            Kind.SYSTEM,
            system=SystemEvent.BLOCKED if blocked else SystemEvent.UNBLOCKED,
        )
    message = update.message
    if message is None or message.chat.type != telegram.Chat.PRIVATE:
        return None
    user_id = str(message.from_user.id) if message.from_user else str(message.chat.id)
    base = InboundEvent(CHANNEL, account, str(message.chat.id), user_id, event_id, Kind.TEXT)
    command = _command(message)
    if command is not None:
        return _with(base, Kind.COMMAND, command=command[0], payload=command[1])
    if message.text is not None:
        return _with(base, Kind.TEXT, text=message.text)
    if message.location is not None:  # a venue carries its location too
        loc = message.location
        return _with(base, Kind.LOCATION, lat=loc.latitude, lon=loc.longitude)
    if message.contact is not None:
        return _with(base, Kind.CONTACT, phone=message.contact.phone_number)
    media = _media(message)
    if media is not None:
        return _with(base, Kind.MEDIA, media=media)
    return _with(base, Kind.UNSUPPORTED)


def _with(base: InboundEvent, kind: Kind, **values: Any) -> InboundEvent:
    return replace(base, kind=kind, **values)


# -- outbound --------------------------------------------------------------------------


def _keyboard(reply: RenderedReply) -> telegram.InlineKeyboardMarkup | None:
    if not reply.choices:
        return None
    rows = [
        [telegram.InlineKeyboardButton(c.label, callback_data=button_payload(c.id, CALLBACK_LIMIT))]
        for c in reply.choices
    ]
    return telegram.InlineKeyboardMarkup(rows)


def _ask_keyboard(ask: Ask, lang: str) -> telegram.ReplyKeyboardMarkup:
    button = (
        telegram.KeyboardButton(translate("telegram.share_location", lang), request_location=True)
        if ask is Ask.LOCATION
        else telegram.KeyboardButton(
            translate("telegram.share_contact", lang), request_contact=True
        )
    )
    return telegram.ReplyKeyboardMarkup([[button]], resize_keyboard=True, one_time_keyboard=True)


@dataclass(frozen=True, slots=True)
class Outgoing:
    """One Bot API call: a message, a photo."""

    method: str
    params: dict[str, Any]


def render(reply: RenderedReply) -> list[Outgoing]:
    """The calls that draw one reply. Choices ride on the last piece of the text; a
    request for a location or a phone number needs a reply keyboard, which cannot share a
    message with inline buttons, so it comes as a short message of its own."""
    calls: list[Outgoing] = []
    for media in reply.media:
        calls.append(Outgoing("send_photo", {"photo": media.ref, "caption": media.caption}))
    pieces = split(reply.text, TEXT_LIMIT) if reply.text.strip() else []
    keyboard = _keyboard(reply)
    for n, piece in enumerate(pieces):
        last = n == len(pieces) - 1
        markup: Any = None
        if last and keyboard is not None:
            markup = keyboard
        elif last and reply.request is not None:
            markup = _ask_keyboard(reply.request, reply.lang)
        calls.append(Outgoing("send_message", {"text": piece, "reply_markup": markup}))
    if reply.request is not None and (keyboard is not None or not pieces):
        hint = (
            translate("telegram.ask_location", reply.lang)
            if reply.request is Ask.LOCATION
            else translate("telegram.ask_contact", reply.lang)
        )
        calls.append(
            Outgoing(
                "send_message",
                {"text": hint, "reply_markup": _ask_keyboard(reply.request, reply.lang)},
            )
        )
    return calls


def commands(lang: str) -> list[telegram.BotCommand]:
    """The command menu Telegram shows beside the text box."""
    return [
        telegram.BotCommand("start", translate("telegram.command_start", lang)),
        telegram.BotCommand("menu", translate("telegram.command_menu", lang)),
        telegram.BotCommand("sos", translate("telegram.command_sos", lang)),
        telegram.BotCommand("help", translate("telegram.command_help", lang)),
        telegram.BotCommand("cancel", translate("telegram.command_cancel", lang)),
    ]


def make_bot(token: str, api_base: str) -> telegram.Bot:
    """PTB's Bot against `api_base` (BINHYEN_TELEGRAM_API_BASE: Telegram, or a local fake)."""
    # httpx logs every request URL at INFO, and Bot API URLs carry the token; PTB logs
    # request parameters (what residents are sent) at DEBUG.
    logging.getLogger("httpx").setLevel(logging.WARNING)
    logging.getLogger("telegram").setLevel(logging.INFO)
    base = api_base.rstrip("/")
    return telegram.Bot(
        token,
        base_url=f"{base}/bot",
        base_file_url=f"{base}/file/bot",
        request=HTTPXRequest(connection_pool_size=64, read_timeout=10.0),
        get_updates_request=HTTPXRequest(connection_pool_size=2, read_timeout=POLL_TIMEOUT + 10),
    )


async def set_webhook(bot: telegram.Bot, secret: str, public_url: str, drop_pending: bool) -> str:
    """Register this service's webhook with its secret, and the command menu (vi by
    default, en for English-language clients); the URL Telegram now calls."""
    url = public_url.rstrip("/") + "/webhooks/telegram"
    await bot.set_webhook(
        url,
        secret_token=secret,
        allowed_updates=ALLOWED_UPDATES,
        drop_pending_updates=drop_pending,
    )
    await bot.set_my_commands(commands("vi"))
    await bot.set_my_commands(commands("en"), language_code="en")
    return url


class TelegramChannel:
    def __init__(
        self,
        token: str,
        api_base: str,
        secret: str,
        dispatcher: Dispatcher,
        delivery: Delivery,
        rates: Rates | None = None,
    ) -> None:
        self.bot = make_bot(token, api_base)
        self.account = token.split(":", 1)[0]
        self.secret = secret
        self.dispatcher = dispatcher
        self.delivery = delivery
        self.rates = rates or Rates()
        self._polling: asyncio.Task[None] | None = None
        self._stop = asyncio.Event()

    # -- inbound --

    def check_secret(self, given: str | None) -> bool:
        return hmac.compare_digest((given or "").encode(), self.secret.encode())

    async def receive(self, body: bytes) -> None:
        """One webhook body: parse, handle, hand the replies to delivery. Bad input is
        logged and dropped (answering an error would make Telegram resend it forever)."""
        try:
            data = json.loads(body)
            if not isinstance(data, dict) or not isinstance(data.get("update_id"), int):
                raise ValueError("not an update")
            update = telegram.Update.de_json(data, self.bot)
        except Exception as exc:
            log.warning("malformed update ignored: %s", type(exc).__name__)
            return
        await self.handle(update)

    async def handle(self, update: telegram.Update) -> None:
        event = to_event(update, self.account)
        query = update.callback_query
        if event is None:
            kinds = sorted(k for k, v in update.to_dict().items() if k != "update_id" and v)
            log.info("update ignored: %s", ",".join(kinds) or "empty")
            if query is not None:  # a button in a group: still stop its spinner
                self._post_answer(query.id, str(query.from_user.id))
            return
        replies = await self.dispatcher.dispatch(event)
        if replies is None:  # a duplicate delivery of an update already handled
            return
        target = self._target(event.chat_id, event.user_id)
        answer = query.id if query is not None else None
        self.delivery.post(target, lambda: self._send(target, replies, answer))

    def _post_answer(self, query_id: str, user_id: str) -> None:
        target = self._target(user_id, user_id)

        async def job() -> None:
            await self._answer(target, query_id)

        self.delivery.post(target, job)

    # -- outbound --

    def _target(self, chat_id: str, user_id: str) -> Target:
        limits = [
            Limit(f"tg:{self.account}", self.rates.per_bot, max(1, int(self.rates.per_bot))),
            Limit(f"tg:{self.account}:{chat_id}", self.rates.per_chat, self.rates.chat_burst),
        ]
        if chat_id.startswith("-"):  # a group
            per_second = self.rates.per_group_minute / 60
            limits.append(Limit(f"tg:{self.account}:g{chat_id}", per_second, 1))
        return Target(CHANNEL, self.account, chat_id, user_id, tuple(limits))

    async def _answer(self, target: Target, query_id: str) -> None:
        async def call() -> Any:
            try:
                return await _call(lambda: self.bot.answer_callback_query(query_id))
            except tg_error.BadRequest:  # too old: the spinner is gone anyway
                return None

        await self.delivery.send(target, call, limited=False)

    async def _send(
        self, target: Target, replies: list[RenderedReply], callback_query: str | None
    ) -> None:
        if callback_query is not None:
            await self._answer(target, callback_query)
        for reply in replies:
            if not await self.deliver(target, reply):
                return  # blocked, or failed for good: the rest would fail too

    async def deliver(self, target: Target, reply: RenderedReply) -> bool:
        """Send one reply; whether all of it went out."""
        for out in render(reply):
            method = getattr(self.bot, out.method)
            params = {k: v for k, v in out.params.items() if v is not None}

            async def call(m: Any = method, p: dict[str, Any] = params) -> Any:
                return await _call(lambda: m(chat_id=int(target.chat_id), **p))

            if await self.delivery.send(target, call) is None:
                return False
        return True

    # -- files --

    async def fetch(self, _account: str, media: Media) -> bytes:
        """The bytes of a file a resident sent, through getFile (what MediaKeeper asks)."""
        if media.size is not None and media.size > DOWNLOAD_LIMIT:
            raise MediaUnavailable("file too large for the Bot API")
        try:
            file = await self.bot.get_file(media.ref)
            if file.file_size is not None and file.file_size > DOWNLOAD_LIMIT:
                raise MediaUnavailable("file too large for the Bot API")
            return bytes(await file.download_as_bytearray())
        except tg_error.TelegramError as exc:
            raise MediaUnavailable(type(exc).__name__) from exc

    # -- polling --

    def start_polling(self) -> None:
        self._stop.clear()
        self._polling = asyncio.get_running_loop().create_task(self.poll())

    async def stop(self) -> None:
        self._stop.set()
        if self._polling is not None:
            self._polling.cancel()
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await self._polling
            self._polling = None
        await self.delivery.drain()
        try:
            await self.bot.shutdown()
        except Exception as exc:
            log.warning("bot shutdown: %s", type(exc).__name__)

    async def poll(self) -> None:
        """getUpdates in a loop while no public URL is configured. A webhook left set
        would make getUpdates fail, so it is removed first (pending updates are kept)."""
        offset: int | None = None
        failures = 0
        removed_webhook = False
        while not self._stop.is_set():
            try:
                if not removed_webhook:
                    await self.bot.delete_webhook(drop_pending_updates=False)
                    removed_webhook = True
                updates = await self.bot.get_updates(
                    offset=offset, timeout=POLL_TIMEOUT, allowed_updates=ALLOWED_UPDATES
                )
                failures = 0
            except tg_error.InvalidToken:
                log.error("polling stopped: the token was refused (check BINHYEN_TELEGRAM_TOKEN)")
                return
            except tg_error.RetryAfter as exc:
                await asyncio.sleep(_retry_after(exc))
                continue
            except tg_error.Conflict:
                log.warning("polling: another getUpdates or a webhook is active; retrying")
                removed_webhook = False
                await asyncio.sleep(5)
                continue
            except tg_error.TelegramError as exc:
                failures += 1
                await asyncio.sleep(min(30.0, 0.5 * 2 ** min(failures, 6)))
                log.warning("polling: %s, attempt %d", type(exc).__name__, failures)
                continue
            if not updates:
                continue
            offset = updates[-1].update_id + 1
            # Chats run side by side, each in order (the dispatcher holds a chat in FIFO
            # order); the next batch is asked for only when this one is committed.
            results = await asyncio.gather(
                *(self.handle(u) for u in updates), return_exceptions=True
            )
            for result in results:
                if isinstance(result, BaseException):
                    log.error("polling: update failed: %s", type(result).__name__)


router = APIRouter()


@router.post("/webhooks/telegram", include_in_schema=False)
async def webhook(request: Request) -> Response:
    channel: TelegramChannel | None = getattr(request.app.state, "telegram", None)
    if channel is None:
        return Response(status_code=404)
    if not channel.check_secret(request.headers.get("x-telegram-bot-api-secret-token")):
        return Response(status_code=403)
    length = request.headers.get("content-length", "")
    if length.isdigit() and int(length) > MAX_UPDATE_BYTES:
        return Response(status_code=413)
    body = await request.body()
    if len(body) > MAX_UPDATE_BYTES:
        return Response(status_code=413)
    await channel.receive(body)
    return Response(status_code=200)
