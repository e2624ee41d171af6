"""HTTP endpoints of the audit domain (thin: parse, call one service function, shape)."""

from fastapi import APIRouter

router = APIRouter(tags=["audit"])
