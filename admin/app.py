"""Panel routes. Placeholder router until the sign-in page lands."""

from __future__ import annotations

from fastapi import APIRouter

router = APIRouter()
