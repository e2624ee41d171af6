"""HTTP endpoints of the identity domain (thin: parse, call one service function, shape)."""

from fastapi import APIRouter

router = APIRouter(tags=["identity"])
