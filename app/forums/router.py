"""HTTP endpoints of the forums domain (thin: parse, call one service function, shape)."""

from fastapi import APIRouter

router = APIRouter(tags=["forums"])
