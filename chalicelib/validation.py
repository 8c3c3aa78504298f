"""Request-body validation with Powertools (fastjsonschema), errors named by field.

A body is parsed once, here, for every route, and refused (400 naming the field) when it is hostile rather
than merely wrong: not UTF-8, nested deeper than MAX_DEPTH, a string with a lone surrogate or a NUL (no
store or library downstream can take those), a number that is not finite or past what JSON numbers hold
exactly. JSON has one number type: a whole number sent as `2.0` reaches the domain as the int 2, so an
"integer" field always holds a real int.
"""

import json
import math
import re
from typing import cast

from aws_lambda_powertools.utilities.validation import SchemaValidationError, validate

from .errors import Invalid
from .schemas.common import DISPLAY_TEXT_PATTERN, PATTERN_RULES

MAX_BODY_BYTES = 256 * 1024
MAX_DEPTH = 32
# The whole numbers every JSON client reads exactly (RFC 8259's interoperable range).
MAX_SAFE_INTEGER = 2**53 - 1
_STRING_OR_BRACKET = re.compile(r'"(?:[^"\\]|\\.)*"|[\[\]{}]')
_UNSAFE_CHARACTER = re.compile("[\x00\ud800-\udfff]")
_NOT_TEXT = "contains a lone surrogate or a NUL character"


def parse_json(raw: bytes | str | None) -> object:
    if raw in (None, b"", ""):
        return {}
    if len(raw) > MAX_BODY_BYTES:
        raise Invalid("Request body is too large", {"body": f"at most {MAX_BODY_BYTES} bytes"})
    try:
        text = raw.decode("utf-8") if isinstance(raw, bytes) else raw
    except UnicodeDecodeError:
        raise Invalid("Request body must be UTF-8", {"body": "not valid UTF-8"}) from None
    if _too_deep(text):
        raise Invalid("Request body is nested too deeply", {"body": f"at most {MAX_DEPTH} levels of nesting"})
    try:
        parsed = json.loads(text, parse_int=_integer, parse_constant=float)
    except ValueError:
        raise Invalid("Request body must be JSON", {"body": "not valid JSON"}) from None
    return _sound(parsed)


def _too_deep(text: str) -> bool:
    """Whether the JSON in `text` nests deeper than MAX_DEPTH, counted without parsing it: a parser
    recurses once per level. Brackets inside strings do not count."""
    depth = 0
    for match in _STRING_OR_BRACKET.finditer(text):
        token = match.group()
        if token in "[{":
            depth += 1
            if depth > MAX_DEPTH:
                return True
        elif token in "]}":
            depth -= 1
    return False


def _integer(literal: str) -> int | float:
    """JSON has no leading zeros: a literal of more than 16 digits is past MAX_SAFE_INTEGER, so it is read
    as a float, to be refused as out of range (int() of thousands of digits costs quadratic time)."""
    return int(literal) if len(literal.lstrip("-")) <= 16 else float(literal)


def _sound(body: object) -> object:
    """`body` with its whole numbers as ints; Invalid naming the first string or number it cannot hold."""
    holder = {"body": body}
    todo: list[tuple[dict | list, str]] = [(holder, "")]
    while todo:
        node, path = todo.pop()
        for key, value in list(node.items() if isinstance(node, dict) else enumerate(node)):
            if isinstance(key, str) and _UNSAFE_CHARACTER.search(key):
                raise Invalid(f"{path or 'body'}: a field name {_NOT_TEXT}", {path or "body": _NOT_TEXT})
            field = f"{path}[{key}]" if isinstance(key, int) else f"{path}.{key}" if path else key
            if isinstance(value, str) and _UNSAFE_CHARACTER.search(value):
                raise Invalid(f"{field}: {_NOT_TEXT}", {field: _NOT_TEXT})
            if isinstance(value, float | int) and not isinstance(value, bool):
                node[key] = _exact(value, field)
            elif isinstance(value, dict | list):
                todo.append((value, "" if node is holder else field))
    return holder["body"]


def _exact(number: float | int, field: str) -> int | float:
    """The number, a whole one as an int; Invalid if it is not finite or not exact in JSON."""
    if isinstance(number, float) and math.isfinite(number) and number.is_integer():
        number = int(number)
    if not (isinstance(number, int) or math.isfinite(number)) or abs(number) > MAX_SAFE_INTEGER:
        message = f"must be a number from -{MAX_SAFE_INTEGER} to {MAX_SAFE_INTEGER}"
        raise Invalid(f"{field}: {message}", {field: message})
    return number


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
    if e.rule == "pattern" and e.rule_definition in PATTERN_RULES:
        return field, PATTERN_RULES[e.rule_definition]
    if e.rule == "propertyNames":  # the names of a map, e.g. a variant's options
        return field, f"has a name that is empty, too long, or not allowed: names {PATTERN_RULES[DISPLAY_TEXT_PATTERN]}"
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
