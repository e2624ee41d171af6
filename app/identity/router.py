"""HTTP endpoints of the identity domain (thin: parse, call one service function, shape)."""

from fastapi import APIRouter

from app.identity.routes import auth, me, service_accounts, users, vetting

router = APIRouter(tags=["identity"])
router.include_router(auth.router)
router.include_router(vetting.router)
router.include_router(users.router)
router.include_router(me.router)
router.include_router(service_accounts.router)
