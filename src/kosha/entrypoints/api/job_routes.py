"""Job events over Server-Sent Events and job cancellation (filled in below)."""

from __future__ import annotations

from fastapi import APIRouter

router = APIRouter(tags=["search"])
