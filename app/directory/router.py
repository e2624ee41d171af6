"""HTTP endpoints of the directory domain (thin: parse, call one service function, shape)."""

from fastapi import APIRouter

router = APIRouter(tags=["directory"])
