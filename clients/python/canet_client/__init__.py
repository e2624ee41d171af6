"""canet-client: the Python SDK of the Central Authorities Network (canet).

from canet_client import CanetClient, PersonCredentials
client = CanetClient("https://canet.example", PersonCredentials(email, password, totp))
for case in client.cases.list(box="incoming"):
    ...
"""

from typing import TYPE_CHECKING, Any

from canet_client._engine import RetryPolicy
from canet_client.aio import AsyncCanetClient, AsyncPaginator
from canet_client.auth import (
    Credentials,
    FileTokenStore,
    PersonCredentials,
    StaticToken,
    TokenState,
    totp_from_secret,
)
from canet_client.client import CanetClient, Download, Paginator
from canet_client.errors import (
    BadRequest,
    CanetError,
    ConfigurationError,
    Conflict,
    FieldError,
    Forbidden,
    Gone,
    IntegrityError,
    NotFound,
    PayloadTooLarge,
    ServerError,
    ServiceUnavailable,
    Throttled,
    TransportError,
    Unauthorized,
    UnsupportedMediaType,
    ValidationFailed,
)
from canet_client.models import STREAM_RESET

if TYPE_CHECKING:
    from canet_client.events import EventStream
    from canet_client.service_account import KeyFile, ServiceAccountCredentials, generate_key

# Imported when first used: the websocket and JWT libraries cost start-up time that a
# command line run which needs neither should not pay.
_LAZY = {
    "EventStream": "canet_client.events",
    "KeyFile": "canet_client.service_account",
    "ServiceAccountCredentials": "canet_client.service_account",
    "generate_key": "canet_client.service_account",
}


def __getattr__(name: str) -> Any:
    if name in _LAZY:
        import importlib

        return getattr(importlib.import_module(_LAZY[name]), name)
    raise AttributeError(f"module 'canet_client' has no attribute {name!r}")


__version__ = "0.1.0"

__all__ = [
    "STREAM_RESET",
    "AsyncCanetClient",
    "AsyncPaginator",
    "BadRequest",
    "CanetClient",
    "CanetError",
    "ConfigurationError",
    "Conflict",
    "Credentials",
    "Download",
    "EventStream",
    "FieldError",
    "FileTokenStore",
    "Forbidden",
    "Gone",
    "IntegrityError",
    "KeyFile",
    "NotFound",
    "Paginator",
    "PayloadTooLarge",
    "PersonCredentials",
    "RetryPolicy",
    "ServerError",
    "ServiceAccountCredentials",
    "ServiceUnavailable",
    "StaticToken",
    "Throttled",
    "TokenState",
    "TransportError",
    "Unauthorized",
    "UnsupportedMediaType",
    "ValidationFailed",
    "generate_key",
    "totp_from_secret",
]
