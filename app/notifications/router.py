"""HTTP endpoints of the notifications domain (thin: parse, call one service function, shape)."""

from fastapi import APIRouter

router = APIRouter(tags=["notifications"])
