"""Request-body validation with Powertools (fastjsonschema), errors named by field."""

import json
import re
from typing import cast

from aws_lambda_powertools.utilities.validation import SchemaValidationError, validate

from .errors import Invalid

MAX_BODY_BYTES = 256 * 1024


def parse_json(raw: bytes | str | None) -> object:
    if raw in (None, b"", ""):
        return {}
    if len(raw) > MAX_BODY_BYTES:
        raise Invalid("Request body is too large", {"body": f"at most {MAX_BODY_BYTES} bytes"})
    try:
        return json.loads(raw)
    except (ValueError, UnicodeDecodeError):
        raise Invalid("Request body must be JSON", {"body": "not valid JSON"}) from None


def check(body: object, schema: dict) -> dict:
    """The body if it matches the schema; Invalid naming the first bad field otherwise."""
    try:
        validate(event=body, schema=schema)
    except SchemaValidationError as e:
        field, message = _describe(e, body)
        raise Invalid(f"{field or 'body'}: {message}", {field or "body": message}) from None
    return cast(dict, body)  # every schema here describes an object


def _describe(e: SchemaValidationError, body: object) -> tuple[str, str]:
    parts = list(e.path or [])[1:]  # drop fastjsonschema's leading "data"
    field = "".join(f"[{p}]" if p.isdigit() else f".{p}" for p in parts).lstrip(".")
    text = re.sub(r"^data[\w.\[\]]*\s*", "", (e.message or "").split("Error: ", 1)[-1].split(", Path:")[0])
    if e.rule == "required":
        node = _at(body, parts)
        missing = [k for k in e.rule_definition or [] if not isinstance(node, dict) or k not in node]
        name = missing[0] if missing else "?"
        return (f"{field}.{name}" if field else name), "is required"
    if e.rule == "additionalProperties":
        node = _at(body, parts)
        extra = sorted(set(node) - set(_known(e))) if isinstance(node, dict) else []
        name = extra[0] if extra else "?"
        return (f"{field}.{name}" if field else name), "is not a known field"
    return field, text or "is invalid"


def _at(body, parts):
    for p in parts:
        try:
            body = body[int(p)] if isinstance(body, list) else body[p]
        except (KeyError, IndexError, TypeError, ValueError):
            return None
    return body


def _known(e: SchemaValidationError) -> list:
    props = (e.definition or {}).get("properties", {}) if isinstance(e.definition, dict) else {}
    return list(props)
