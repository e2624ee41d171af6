"""HTTP endpoints of the cases domain (thin: parse, call one service function, shape)."""

from fastapi import APIRouter

router = APIRouter(tags=["cases"])
