"""`Idempotency-Key` on retryable writes, through Powertools idempotency (DynamoDB persistence).

A key is scoped to the shop, the route and the caller; the same key with another
body is a 409; records live 24 hours in a table of their own.
"""

from collections.abc import Callable

from aws_lambda_powertools.utilities.idempotency import (
    DynamoDBPersistenceLayer,
    IdempotencyConfig,
    idempotent_function,
)
from aws_lambda_powertools.utilities.idempotency.exceptions import (
    IdempotencyAlreadyInProgressError,
    IdempotencyValidationError,
)

from . import settings
from .errors import Conflict, Invalid

_CONFIG = IdempotencyConfig(
    event_key_jmespath="scope", payload_validation_jmespath="body", expires_after_seconds=24 * 3600
)
_runners: dict[str, Callable] = {}
_store = None


def _runner(operation: str) -> Callable:
    global _store
    if operation not in _runners:
        if _store is None:
            _store = DynamoDBPersistenceLayer(table_name=settings.IDEMPOTENCY_TABLE)

        def run(request: dict, create: Callable[[], dict]) -> dict:
            return create()

        _runners[operation] = idempotent_function(
            run,
            data_keyword_argument="request",
            persistence_store=_store,
            config=_CONFIG,
            key_prefix=f"{settings.PREFIX}.{operation}",
        )
    return _runners[operation]


def bind(lambda_context) -> None:
    """The invocation's context: an in-progress key then expires when the invocation would have
    timed out, so a retry after a crash is not locked out for 24 hours."""
    if lambda_context is not None:
        _CONFIG.register_lambda_context(lambda_context)


def once(*, operation: str, scope: str, key: str | None, body, create: Callable[[], dict]) -> dict:
    """`create()`'s result, computed once per (scope, key); without a key, every call creates."""
    if not key:
        return create()
    if len(key) > 255:
        raise Invalid("Idempotency-Key: at most 255 characters", {"Idempotency-Key": "too long"})
    try:
        return _runner(operation)(request={"scope": f"{scope}|{key}", "body": body}, create=create)
    except IdempotencyValidationError:
        raise Conflict(
            "This Idempotency-Key was used with a different request body",
            {"Idempotency-Key": "reused with another body"},
        ) from None
    except IdempotencyAlreadyInProgressError:
        raise Conflict(
            "A request with this Idempotency-Key is still in progress", {"Idempotency-Key": "in progress"}
        ) from None
