"""HTTP endpoints of the search domain (thin: parse, call one service function, shape)."""

from fastapi import APIRouter

router = APIRouter(tags=["search"])
