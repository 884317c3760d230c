"""Times as the panel shows them: Vietnam time (UTC+7, no daylight saving), day first."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

LOCAL_TZ = ZoneInfo("Asia/Ho_Chi_Minh")


def local_time(moment: datetime) -> str:
    """dd/mm/yyyy HH:MM in Vietnam time."""
    return moment.astimezone(LOCAL_TZ).strftime("%d/%m/%Y %H:%M")


def local_date(moment: datetime) -> str:
    """dd/mm/yyyy in Vietnam time."""
    return moment.astimezone(LOCAL_TZ).strftime("%d/%m/%Y")
