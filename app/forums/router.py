"""HTTP endpoints of the forums domain (thin: parse, call one service function, shape)."""

from fastapi import APIRouter

from app.forums.routes import following, forums, posts, threads

router = APIRouter(tags=["forums"])
router.include_router(forums.router)
router.include_router(threads.router)
router.include_router(posts.router)
router.include_router(following.router)
