"""HTTP endpoints of the realtime domain (thin: parse, call one service function, shape)."""

from fastapi import APIRouter

router = APIRouter(tags=["realtime"])
