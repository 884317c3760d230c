"""The access log names the path of each request, never its query string.

Officers search the panel by phone number, name or address (`/admin/tips?q=…`, the same on
`/api/v1`), and uvicorn's access log writes the whole request line. A filter on its logger
(`uvicorn.access`) cuts the query off before any handler formats the record, whatever the
log configuration: bot/app.py installs it when it makes the app, and `logging.config`
keeps a logger's filters when uvicorn configures its handlers afterwards.
"""

from __future__ import annotations

import logging

ACCESS_LOGGER = "uvicorn.access"


class PathOnly(logging.Filter):
    """Drops the query string from uvicorn's access records: their arguments are (client,
    method, path with query, HTTP version, status)."""

    def filter(self, record: logging.LogRecord) -> bool:
        args = record.args
        if isinstance(args, tuple) and len(args) == 5 and isinstance(args[2], str):
            record.args = (*args[:2], args[2].split("?", 1)[0], *args[3:])
        return True


def install() -> None:
    """Put the filter on the access logger, once per process."""
    logger = logging.getLogger(ACCESS_LOGGER)
    if not any(isinstance(f, PathOnly) for f in logger.filters):
        logger.addFilter(PathOnly())
