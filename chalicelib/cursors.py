"""Opaque pagination cursors: DynamoDB's LastEvaluatedKey, encoded.

A decoded cursor must stay inside the caller's tenant: every key value in it
must start with the tenant id, so a forged cursor cannot page another shop.
"""

import base64
import binascii
import json
import re

from . import validation
from .errors import Invalid

MAX_LIMIT = 250
DEFAULT_LIMIT = 50
_PAGE_SIZE = re.compile("[0-9]{1,3}")


def encode(last_evaluated_key: dict | None) -> str | None:
    if not last_evaluated_key:
        return None
    plain = {k: next(iter(v.values())) for k, v in last_evaluated_key.items()}
    return base64.urlsafe_b64encode(json.dumps(plain, separators=(",", ":")).encode()).decode().rstrip("=")


def decode(cursor: str | None, partition_prefix: str, *, index: tuple[str, str] | None = None) -> dict | None:
    """The start key a cursor stands for; Invalid for anything this API did not give out for this list.

    `index` is (name, partition value) of the GSI being paged, e.g. ("gsi1", "<tid>#PRODUCTS"): the
    cursor must then carry exactly that index's keys. DynamoDB answers a start key of another shape
    (a cursor from another list, or a forged one) with a ValidationException, which would be a 500.
    """
    if cursor in (None, ""):
        return None
    try:  # parsed as hostile as a body: a cursor is client input too
        plain = validation.parse_json(base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)))
    except (binascii.Error, ValueError, Invalid):
        raise Invalid("Invalid cursor", {"cursor": "not a cursor this API gave out"}) from None
    if not (
        isinstance(plain, dict)
        and all(isinstance(v, str) for v in plain.values())
        and str(plain.get("pk", "")).startswith(partition_prefix)
        and _shaped(plain, partition_prefix, index)
    ):
        raise Invalid("Invalid cursor", {"cursor": "not a cursor this API gave out"})
    return {k: {"S": v} for k, v in plain.items()}


def _shaped(plain: dict, partition_prefix: str, index: tuple[str, str] | None) -> bool:
    """Exactly the table's keys, plus the paged index's keys when there is one."""
    if index is not None:
        name, partition = index
        return set(plain) == {"pk", "sk", f"{name}pk", f"{name}sk"} and plain[f"{name}pk"] == partition
    extra = set(plain) - {"pk", "sk"}
    if "sk" not in plain or (extra and len(extra) != 2):
        return False
    names = {k[:-2] for k in extra}  # one GSI's pk and sk, e.g. gsi3pk and gsi3sk
    return not extra or (
        len(names) == 1
        and extra == {f"{n}{s}" for n in names for s in ("pk", "sk")}
        and plain[f"{next(iter(names))}pk"].startswith(partition_prefix)
    )


def limit(value) -> int:
    if value in (None, ""):
        return DEFAULT_LIMIT
    digits = str(value)
    n = int(digits) if _PAGE_SIZE.fullmatch(digits) else 0  # ASCII digits: int() also takes " 5", "٣", "1_0"
    if not 1 <= n <= MAX_LIMIT:
        raise Invalid(f"limit must be a whole number from 1 to {MAX_LIMIT}", {"limit": "out of range"})
    return n
