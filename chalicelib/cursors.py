"""Opaque pagination cursors: DynamoDB's LastEvaluatedKey, encoded.

A decoded cursor must stay inside the caller's tenant: every key value in it
must start with the tenant id, so a forged cursor cannot page another shop.
"""
import base64
import binascii
import json

from .errors import Invalid

MAX_LIMIT = 250
DEFAULT_LIMIT = 50


def encode(last_evaluated_key: dict | None) -> str | None:
    if not last_evaluated_key:
        return None
    plain = {k: next(iter(v.values())) for k, v in last_evaluated_key.items()}
    return base64.urlsafe_b64encode(json.dumps(plain, separators=(",", ":")).encode()).decode().rstrip("=")


def decode(cursor: str | None, partition_prefix: str) -> dict | None:
    if cursor in (None, ""):
        return None
    try:
        raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4))
        plain = json.loads(raw)
    except (binascii.Error, ValueError, UnicodeDecodeError):
        raise Invalid("Invalid cursor", {"cursor": "not a cursor this API gave out"}) from None
    if (not isinstance(plain, dict) or not plain or len(plain) > 4
            or not all(isinstance(v, str) for v in plain.values())
            or not all(k in ("pk", "sk", "gsi1pk", "gsi1sk", "gsi2pk", "gsi2sk") for k in plain)
            or not plain.get("pk", "").startswith(partition_prefix)):
        raise Invalid("Invalid cursor", {"cursor": "not a cursor this API gave out"})
    return {k: {"S": v} for k, v in plain.items()}


def limit(value) -> int:
    if value in (None, ""):
        return DEFAULT_LIMIT
    try:
        n = int(value)
    except (TypeError, ValueError):
        n = 0
    if not 1 <= n <= MAX_LIMIT:
        raise Invalid(f"limit must be a whole number from 1 to {MAX_LIMIT}", {"limit": "out of range"})
    return n
