"""Building blocks, and the answers every audience gets: errors, health, pages of a list, addresses."""

from .. import languages as _languages

text = lambda max_len, min_len=0: {"type": "string", "minLength": min_len, "maxLength": max_len}  # noqa: E731
# A name or title people read (shop name, product title, SKU, option, address line, rate...): no control
# characters (NUL, line breaks, escapes, C1) and no bidirectional embeddings, overrides or isolates
# (U+202A-U+202E, U+2066-U+2069), which make text display other than it is. Every such field takes this
# block, so a new one gets the rule by using it; free text (descriptions, reasons) may hold line breaks.
_CONTROL_OR_BIDI = "\\u0000-\\u001f\\u007f-\\u009f\\u2028\\u2029\\u202a-\\u202e\\u2066-\\u2069"
DISPLAY_TEXT_PATTERN = f"^[^{_CONTROL_OR_BIDI}]*$"
display_text = lambda max_len, min_len=0: {**text(max_len, min_len), "pattern": DISPLAY_TEXT_PATTERN}  # noqa: E731
URL_PATTERN = f"^https?://[^\\s{_CONTROL_OR_BIDI}]+$"
url = {"type": "string", "pattern": URL_PATTERN, "maxLength": 2000}
# What a field that misses one of these patterns is told (validation.check), rather than the pattern itself.
PATTERN_RULES = {
    DISPLAY_TEXT_PATTERN: "must not contain control or bidirectional-override characters",
    URL_PATTERN: "must be an http(s) URL without spaces, control or bidirectional-override characters",
}
MOST_MONEY = 100_000_000_00
money = {"type": "integer", "minimum": 0, "maximum": MOST_MONEY}
currency = {"type": "string", "pattern": "^[A-Z]{3}$"}
country = {"type": "string", "pattern": "^[A-Z]{2}$"}
quantity = {"type": "integer", "minimum": 1, "maximum": 999}
handle = {"type": "string", "pattern": "^[a-z0-9]+(-[a-z0-9]+)*$", "maxLength": 100}
language_tag = {"enum": list(_languages.SUPPORTED)}
language_tags = {
    "type": "array",
    "items": language_tag,
    "minItems": 1,
    "uniqueItems": True,
    "description": "The languages the storefront speaks, its primary first (at the shop's root; the others under "
    "a path prefix, /zh-cn/...)",
}
identifier = text(64, 1)
string = {"type": "string"}
nullable_string = {"type": ["string", "null"]}
integer = {"type": "integer"}
boolean = {"type": "boolean"}
timestamp = {"type": "string", "description": "ISO 8601, UTC"}
nullable_timestamp = {"type": ["string", "null"], "description": "ISO 8601, UTC"}


def closed(properties: dict, required: tuple[str, ...] = (), **constraints) -> dict:
    """A request object: these fields and no other, the `required` ones present."""
    out = {"type": "object", "properties": properties, "additionalProperties": False, **constraints}
    return {**out, "required": list(required)} if required else out


def list_of(item: dict, *, most: int, least: int = 0) -> dict:
    return {"type": "array", **({"minItems": least} if least else {}), "maxItems": most, "items": item}


def answer(properties: dict, *, optional: tuple[str, ...] = ()) -> dict:
    """An answer object: every field listed, all of them present except the `optional` ones."""
    return {"type": "object", "properties": properties, "required": [k for k in properties if k not in optional]}


def page_of(item_schema: dict) -> dict:
    return answer({"items": {"type": "array", "items": item_schema}, "next": nullable_string})


# The query parameters of a list (name -> schema), published with each route that pages.
page_query = {
    "limit": {"type": "integer", "minimum": 1, "maximum": 250, "description": "Items per page; 50 when absent"},
    "cursor": {"type": "string", "description": "The previous page's `next`"},
}


# A request's list of units: [{variant_id, quantity}], at least one.
units = list_of(closed({"variant_id": identifier, "quantity": quantity}, ("variant_id", "quantity")), most=100, least=1)
# An answer's list of units.
unit_list = {"type": "array", "items": answer({"variant_id": string, "quantity": integer})}

ERROR = answer(
    {
        "message": string,
        "fields": {
            "type": "object",
            "description": "For bad input: each offending field (`lines[0].quantity`) and what is wrong with it",
            "additionalProperties": string,
        },
    },
    optional=("fields",),
)
HEALTH = answer({"status": {"const": "ok"}})
OPENAPI_DOCUMENT = {
    "type": "object",
    "description": "An OpenAPI 3.1 document (this one)",
    "required": ["openapi", "info", "paths"],
    "additionalProperties": True,
}
WEBHOOK_ACK = answer({"received": boolean})

ADDRESS = closed(
    {
        "name": display_text(200, 1),
        "line1": display_text(200, 1),
        "line2": display_text(200),
        "city": display_text(100, 1),
        "state": display_text(100),
        "postal_code": display_text(20, 1),
        "country": country,
        "phone": display_text(40),
    },
    ("name", "line1", "city", "postal_code", "country"),
)
