"""The `binhyen` command. Heavy imports wait until a subcommand needs them."""

from __future__ import annotations

import argparse
import asyncio
import io
import os
import sys
from collections.abc import Iterator, Sequence
from contextlib import contextmanager, suppress
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING, TextIO

if TYPE_CHECKING:
    from bot.settings import Settings
    from storage.sealing import Sealer
    from storage.tips_export import ExportSummary

EXIT_USAGE = 2


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="binhyen", description="Bình Yên: citizen-security chat bot for commune police."
    )
    sub = parser.add_subparsers(dest="command", required=True)
    serve = sub.add_parser("serve", help="run the web service (web chat, panel, webhooks)")
    serve.add_argument("--host", default="127.0.0.1")
    serve.add_argument("--port", type=int, default=8080)
    sub.add_parser(
        "worker",
        help="send the police's messages to residents (the outbox), without the web service",
    )
    sub.add_parser("migrate", help="bring the database schema up to date")
    chat = sub.add_parser("chat", help="talk to the bot in the terminal (stdin lines work too)")
    chat.add_argument("--user", default="local", help="who you are in the chat (default: local)")
    content = sub.add_parser("content", help="content packs and catalogs")
    content_sub = content.add_subparsers(dest="content_command", required=True)
    content_sub.add_parser("check", help="validate catalogs and content packs")
    admin = sub.add_parser("admin", help="panel accounts")
    admin_sub = admin.add_subparsers(dest="admin_command", required=True)
    create = admin_sub.add_parser(
        "create", help="create a panel account (password from BINHYEN_ADMIN_PASSWORD or a prompt)"
    )
    create.add_argument("--username", required=True)
    create.add_argument("--role", required=True, help="officer, chief, province_admin or leader")
    create.add_argument(
        "--commune",
        default="",
        help="commune code (leading zeros optional) or a name that leads to one commune only;"
        " for province_admin the 2-digit province code or the province's name",
    )
    create.add_argument("--display-name", default="", help="the person's full name")
    token = admin_sub.add_parser("token", help="make an API token for an account, printed once")
    token.add_argument("--username", required=True)
    token.add_argument("--name", required=True, help="what the token is for")
    token.add_argument("--days", type=int, default=90, help="lifetime in days (default: 90)")
    unlock = admin_sub.add_parser("unlock", help="lift an account's sign-in lockout")
    unlock.add_argument("--username", required=True)
    tips = sub.add_parser("tips", help="tips held in the database")
    tips_sub = tips.add_subparsers(dest="tips_command", required=True)
    export = tips_sub.add_parser("export", help="write every tip as CSV or JSON")
    export.add_argument("--format", choices=("csv", "json"), default="csv")
    export.add_argument(
        "--with-contact",
        action="store_true",
        help="include reporters' names and phones (needs BINHYEN_CONTACT_KEY or a real secret)",
    )
    export.add_argument("--output", metavar="FILE", help="write FILE (mode 0600), not stdout")
    export.add_argument(
        "--reason",
        default="",
        help="why reporters' contacts leave (needed with --with-contact; on the audit log)",
    )
    tg = sub.add_parser("telegram", help="the Telegram bot's registration")
    tg_sub = tg.add_subparsers(dest="telegram_command", required=True)
    hook = tg_sub.add_parser(
        "set-webhook",
        help="register BINHYEN_PUBLIC_URL/webhooks/telegram with its secret, and the commands",
    )
    hook.add_argument(
        "--drop-pending", action="store_true", help="discard updates Telegram still holds"
    )
    tg_sub.add_parser("webhook-info", help="what Telegram knows of the webhook")
    tg_sub.add_parser("delete-webhook", help="remove the webhook (for polling)")
    zb = sub.add_parser("zalo-bot", help="the Zalo Bot Platform bot's registration")
    zb_sub = zb.add_subparsers(dest="zalo_bot_command", required=True)
    zb_sub.add_parser(
        "set-webhook", help="register BINHYEN_PUBLIC_URL/webhooks/zalo-bot with its secret"
    )
    zb_sub.add_parser("webhook-info", help="what Zalo knows of the webhook")
    zb_sub.add_parser("delete-webhook", help="remove the webhook (for polling)")
    indicators = sub.add_parser("indicators", help="scam indicators (phones, links, accounts)")
    ind_sub = indicators.add_subparsers(dest="indicators_command", required=True)
    imp = ind_sub.add_parser(
        "import", help="load a CSV list: kind,value[,bank][,status]; nothing if a line is bad"
    )
    imp.add_argument("file", metavar="FILE")
    imp.add_argument("--source", help="where the list comes from (default: import:<file name>)")
    imp.add_argument(
        "--status",
        default="confirmed",
        help="status of lines that give none: confirmed (default), reported or rejected",
    )
    keys = sub.add_parser("keys", help="the keys that seal contacts, TOTP secrets and tokens")
    keys_sub = keys.add_subparsers(dest="keys_command", required=True)
    rotate = keys_sub.add_parser(
        "rotate", help="seal everything again under the newest key of each ring (no downtime)"
    )
    rotate.add_argument("--dry-run", action="store_true", help="count, change nothing")
    retention = sub.add_parser("retention", help="what is kept only for a period (docs/PRIVACY.md)")
    retention_sub = retention.add_subparsers(dest="retention_command", required=True)
    purge = retention_sub.add_parser(
        "run", help="remove now what is past its retention period, as the worker does daily"
    )
    purge.add_argument("--dry-run", action="store_true", help="count what would go, change nothing")
    purge.add_argument("--batch", type=int, help="rows per transaction (default: 100)")
    areas = sub.add_parser("areas", help="provinces and communes (GSO codes)")
    areas_sub = areas.add_subparsers(dest="areas_command", required=True)
    find = areas_sub.add_parser(
        "search", help="communes matching a name now or before 2025, with their 5-digit codes"
    )
    find.add_argument("text", metavar="TEXT", help='a name ("ba dinh") or a code')
    find.add_argument("--province", default="", help="only this province (code or name)")
    movement = sub.add_parser(
        "report", help="the movement's report of a commune or province over a period"
    )
    movement.add_argument(
        "--period", required=True, help="2026-H1, 2026-H2, 2026, 2026-Q1..Q4 or 2026-07"
    )
    where = movement.add_mutually_exclusive_group(required=True)
    where.add_argument("--commune", help="a commune's GSO code (leading zeros optional)")
    where.add_argument("--province", help="a province's 2-digit code")
    movement.add_argument("--output", help="write it as XLSX to this .xlsx file")
    movement.add_argument(
        "--cutoff",
        choices=("calendar", "decree09"),
        default="calendar",
        help="the period's days: calendar (default), or decree09: the closing days of Decree "
        "09/2019/ND-CP art. 12 (2026-H1 is 15/12/2025 to 14/06/2026)",
    )
    movement.add_argument("--lang", choices=("vi", "en"), default="vi")
    campaigns = sub.add_parser("campaigns", help="seasonal awareness campaigns (content packs)")
    campaigns_sub = campaigns.add_subparsers(dest="campaigns_command", required=True)
    for name, what in (
        ("list", "each campaign: when it runs, its messages, the next date one goes out"),
        ("preview", "each message of a campaign with its date and the words residents get"),
    ):
        command = campaigns_sub.add_parser(name, help=what)
        if name == "preview":
            command.add_argument("name", metavar="NAME")
        command.add_argument("--lang", choices=("vi", "en"), default="vi")
        command.add_argument(
            "--today", type=date.fromisoformat, help="count from this date (YYYY-MM-DD)"
        )
    return parser


def _settings() -> Settings:
    from bot.settings import Settings

    settings = Settings.load()
    settings.check()
    return settings


def _serve(host: str, port: int) -> None:
    from bot.app import create_app
    from bot.serve import serve

    settings = _settings()
    serve(create_app(settings), host, port, settings.public_url)


async def _worker() -> None:
    """The outbox loop of `binhyen serve`, alone: the same channels for sending, none of
    them receiving (no webhook, no polling: that stays with the web service)."""
    import signal

    from bot import app, outbox, owed, runtime

    settings = _settings()
    await runtime.prepare_database(settings)
    await runtime.check_blob_store(settings)  # the outbox sends notices' photos
    rt = runtime.build(settings)
    channels = app.channels(settings, rt, poll=False)
    worker = outbox.build(rt, channels)
    sweeper = owed.sweeper(rt, {n: channels.get(n) for n in owed.PUSHING})
    sweeper.start()  # replies a dead serving process owed (bot/owed.py)
    loop = asyncio.get_running_loop()
    for signum in (signal.SIGINT, signal.SIGTERM):
        with suppress(NotImplementedError):  # not on Windows
            loop.add_signal_handler(signum, worker.request_stop)
    print("binhyen worker: sending the outbox (Ctrl-C stops)", file=sys.stderr)
    try:
        await worker.run()
    finally:
        await sweeper.stop()
        for channel in channels.values():
            if channel is not None:
                await channel.stop()
        await rt.delivery.drain()
        if rt.dispatcher.journal is not None:  # the replies sent while draining
            await rt.dispatcher.journal.flush()
        await rt.close()


def _migrate() -> None:
    from bot import runtime
    from storage import migrate

    settings = _settings()
    migrate.upgrade(settings.database_url)
    asyncio.run(runtime.move_owner_links(settings))  # issue 18: needs the key, not only SQL


async def _chat(user: str) -> None:
    from bot import runtime
    from bot.channels.cli import converse, interactive_default

    settings = _settings()
    runtime.load_content()
    await runtime.prepare_database(settings)
    rt = runtime.build(settings)
    try:
        await converse(
            rt.dispatcher, user, sys.stdin, sys.stdout, interactive=interactive_default()
        )
    finally:
        await rt.close()


def _content_check() -> int:
    from content.check import check_all

    problems = check_all()
    for problem in problems:
        print(problem, file=sys.stderr)
    print("content: ok" if not problems else f"content: {len(problems)} problem(s)")
    return 1 if problems else 0


def _contact_sealer(settings: Settings) -> Sealer:
    """The key that opens contacts; refused while only the development default is set."""
    from bot import runtime
    from bot.settings import DEFAULT_SECRET

    contact_key = settings.contact_key.get_secret_value() if settings.contact_key else ""
    secret = settings.secret_key.get_secret_value()
    if not contact_key and secret in ("", DEFAULT_SECRET):
        raise ValueError(
            "--with-contact needs a configured key: set BINHYEN_CONTACT_KEY, or "
            "BINHYEN_SECRET_KEY to the secret the service runs with"
        )
    return runtime.sealer(settings)  # the key's form was checked with the settings


@contextmanager
def _output(path: str | None) -> Iterator[TextIO]:
    """stdout, or a private temporary file renamed over FILE only once it is complete."""
    if path is None:
        sys.stdout.flush()
        stream = io.TextIOWrapper(sys.stdout.buffer, encoding="utf-8", newline="")
        try:
            yield stream
            stream.flush()
        finally:
            stream.detach()
        return
    import tempfile

    target = Path(path)
    # mkstemp creates the file 0600: tips name places and people even without contacts.
    fd, temp = tempfile.mkstemp(dir=target.parent, prefix=f".{target.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "w", encoding="utf-8", newline="") as file:
            yield file
            file.flush()
            os.fsync(file.fileno())
        os.replace(temp, target)
    except BaseException:
        with suppress(FileNotFoundError):
            os.unlink(temp)
        raise


async def _export(
    settings: Settings, fmt: str, sealer: Sealer | None, output: str | None, reason: str = ""
) -> ExportSummary:
    from bot import runtime
    from storage.db import make_engine, make_sessions
    from storage.tips_export import Format, Target, export

    await runtime.prepare_database(settings)
    engine = make_engine(settings.database_url)
    try:
        with _output(output) as out:
            target = Target.FILE if output else Target.STDOUT  # the audit names no path
            return await export(
                make_sessions(engine), out, Format(fmt), sealer, target=target, reason=reason
            )
    finally:
        await engine.dispose()


MIN_EXPORT_REASON = 5  # as a reveal's reason in the panel (handlers/casework/rules.py)


def _tips_export(fmt: str, with_contact: bool, output: str | None, reason: str = "") -> int:
    settings = _settings()
    name = "binhyen tips export"
    reason = " ".join(reason.split())
    if with_contact and len(reason) < MIN_EXPORT_REASON:
        print(
            f"{name}: error: --with-contact needs --reason: why reporters' names and phones "
            "leave the service (it goes on the audit log, which the province police read)",
            file=sys.stderr,
        )
        return EXIT_USAGE
    try:
        sealer = _contact_sealer(settings) if with_contact else None
    except ValueError as exc:
        print(f"{name}: error: {exc}", file=sys.stderr)
        return EXIT_USAGE
    try:
        summary = asyncio.run(_export(settings, fmt, sealer, output, reason))
    except BrokenPipeError:
        # The reader went away (`| head`); keep the interpreter from complaining at exit.
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 1
    except OSError as exc:
        print(f"{name}: error: {exc}", file=sys.stderr)
        return 1
    if summary.unopened_contacts:
        print(
            f"{name}: warning: {summary.unopened_contacts} contact(s) could not be opened "
            "with the configured key and were exported empty",
            file=sys.stderr,
        )
    print(f"{name}: {summary.tips} tip(s) exported", file=sys.stderr)
    return 0


async def _telegram_command(settings: Settings, command: str, drop_pending: bool) -> str:
    from bot.channels import telegram

    assert settings.telegram_token is not None
    secret = telegram.webhook_secret(settings)
    bot = telegram.make_bot(settings.telegram_token.get_secret_value(), settings.telegram_api_base)
    try:
        if command == "set-webhook":
            url = await telegram.set_webhook(
                bot, secret, settings.public_url, drop_pending, settings.telegram_max_connections
            )
            return f"webhook set: {url} (max_connections {settings.telegram_max_connections})"
        if command == "delete-webhook":
            await bot.delete_webhook()
            return "webhook deleted"
        info = await bot.get_webhook_info()
        lines = [
            f"url: {info.url or '(none: the bot polls)'}",
            f"pending updates: {info.pending_update_count}",
        ]
        if info.max_connections:
            lines.append(f"max connections: {info.max_connections}")
        if info.last_error_message:
            lines.append(f"last error: {info.last_error_message}")
        return "\n".join(lines)
    finally:
        await bot.shutdown()


def _telegram(command: str, drop_pending: bool) -> int:
    settings = _settings()
    name = f"binhyen telegram {command}"
    if settings.telegram_token is None:
        print(f"{name}: error: set BINHYEN_TELEGRAM_TOKEN", file=sys.stderr)
        return EXIT_USAGE
    if command == "set-webhook" and not settings.public_url.startswith("https://"):
        print(
            f"{name}: error: set BINHYEN_PUBLIC_URL to the service's https:// address",
            file=sys.stderr,
        )
        return EXIT_USAGE
    try:
        print(asyncio.run(_telegram_command(settings, command, drop_pending)))
    except Exception as exc:
        # Never the exception's text: PTB puts the token in some of them.
        from telegram.error import InvalidToken, TelegramError

        reason = (
            "the token was refused"
            if isinstance(exc, InvalidToken)
            else f"Telegram answered {type(exc).__name__}"
            if isinstance(exc, TelegramError)
            else type(exc).__name__
        )
        print(f"{name}: error: {reason}", file=sys.stderr)
        return 1
    return 0


def main(argv: Sequence[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    if args.command == "serve":
        _serve(args.host, args.port)
    elif args.command == "worker":
        asyncio.run(_worker())
    elif args.command == "migrate":
        _migrate()
    elif args.command == "chat":
        try:
            asyncio.run(_chat(args.user))
        except KeyboardInterrupt:
            return 130
    elif args.command == "content":
        return _content_check()
    elif args.command == "admin":
        from admin.cli import dispatch

        return dispatch(_settings(), args)
    elif args.command == "tips":
        return _tips_export(args.format, args.with_contact, args.output, args.reason)
    elif args.command == "telegram":
        return _telegram(args.telegram_command, getattr(args, "drop_pending", False))
    elif args.command == "zalo-bot":
        from bot.channels import zalo_bot

        return zalo_bot.run_cli(_settings(), args.zalo_bot_command)
    elif args.command == "indicators":
        from bot.indicators_cli import run as import_indicators

        return import_indicators(_settings(), args.file, args.source, args.status)
    elif args.command == "keys":
        from bot.keys_cli import run as keys_command

        return keys_command(_settings(), args.dry_run)
    elif args.command == "report":
        from bot.report_cli import run as report_run

        return report_run(
            _settings(),
            args.period,
            args.commune,
            args.province,
            args.output,
            args.lang,
            cutoff=args.cutoff,
        )
    elif args.command == "retention":
        from bot.retention_cli import run as retention_run

        return retention_run(_settings(), args.dry_run, args.batch)
    elif args.command == "areas":
        from bot.areas_cli import run as areas_search

        return areas_search(args.text, args.province)
    elif args.command == "campaigns":
        from bot.campaigns_cli import run as campaigns_command

        return campaigns_command(
            args.campaigns_command, getattr(args, "name", ""), args.lang, args.today
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
