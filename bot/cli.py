"""The `binhyen` command. Heavy imports wait until a subcommand needs them."""

from __future__ import annotations

import argparse
import asyncio
import sys
from collections.abc import Sequence
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from bot.settings import Settings


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="binhyen", description="Bình Yên: citizen-security chat bot for commune police."
    )
    sub = parser.add_subparsers(dest="command", required=True)
    serve = sub.add_parser("serve", help="run the web service (web chat, panel, webhooks)")
    serve.add_argument("--host", default="127.0.0.1")
    serve.add_argument("--port", type=int, default=8080)
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
        "--commune", default="", help="commune code (for province_admin: province code)"
    )
    return parser


def _settings() -> Settings:
    from bot.settings import Settings

    settings = Settings()
    settings.check()
    return settings


def _serve(host: str, port: int) -> None:
    import uvicorn

    from bot.app import create_app

    uvicorn.run(create_app(_settings()), host=host, port=port, log_level="info")


def _migrate() -> None:
    from storage import migrate

    migrate.upgrade(_settings().database_url)


async def _chat(user: str) -> None:
    from bot import runtime
    from bot.channels.cli import converse, interactive_default

    settings = _settings()
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


def main(argv: Sequence[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    if args.command == "serve":
        _serve(args.host, args.port)
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
        from admin.cli import run

        return run(_settings(), args.username, args.role, args.commune)
    return 0


if __name__ == "__main__":
    sys.exit(main())
