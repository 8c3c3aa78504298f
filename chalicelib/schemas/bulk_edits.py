"""What a merchant sends and reads to edit many products at once (bulk_edits.py)."""

from .common import (
    MOST_MONEY,
    answer,
    boolean,
    closed,
    display_text,
    identifier,
    integer,
    list_of,
    money,
    nullable_string,
    string,
    timestamp,
)
from .merchant import PRODUCT

MOST_UNITS = 1_000_000_000
_quantity = {"type": "integer", "minimum": 0, "maximum": MOST_UNITS}
BULK_EDIT_CREATE = closed(
    {
        "action": {
            "enum": ["publish", "unpublish", "set_price", "adjust_price", "set_stock", "adjust_stock"],
            "description": "publish, unpublish: the products' status; the others: every variant of them",
        },
        "params": closed(
            {
                "price": {**money, "description": "set_price: the new price, in minor units"},
                "percent": {
                    "type": "integer",
                    "minimum": -100,
                    "maximum": 1000,
                    "description": "adjust_price: whole percent up (10) or down (-10), rounded half up",
                },
                "amount": {
                    "type": "integer",
                    "minimum": -MOST_MONEY,
                    "maximum": MOST_MONEY,
                    "description": "adjust_price: minor units added (or taken off, when negative)",
                },
                "quantity": {**_quantity, "description": "set_stock: the units available to sell"},
                "delta": {
                    "type": "integer",
                    "minimum": -MOST_UNITS,
                    "maximum": MOST_UNITS,
                    "description": "adjust_stock: units added (or taken off, when negative)",
                },
            }
        ),
        "product_ids": list_of(identifier, most=250, least=1),
        "filter": closed(
            {
                "status": PRODUCT["properties"]["status"],
                "query": {
                    **display_text(200),
                    "description": "Found, ignoring case, in the title, handle or a SKU (as the products list's `q`)",
                },
            }
        ),
        "dry_run": {**boolean, "description": "true: answer what would change, change nothing"},
    },
    ("action",),
)

_params = BULK_EDIT_CREATE["properties"]["params"]["properties"]
_value = {"type": ["integer", "string"]}
_row = {
    "product_id": string,
    "variant_id": nullable_string,
    "title": {"type": "string", "description": "The product's title, and the variant's after ` / `"},
    "field": {"enum": ["status", "price", "inventory_quantity", None]},
}
BULK_EDIT_CHANGE = answer({**_row, "before": _value, "after": _value})
BULK_EDIT_SKIP = answer({**_row, "reason": string})
_edit = {
    "id": {"type": ["string", "null"], "description": "null for a dry run"},
    "dry_run": boolean,
    "action": {"enum": [*BULK_EDIT_CREATE["properties"]["action"]["enum"], "undo"]},
    "params": answer({k: integer for k in _params}, optional=tuple(_params)),
    "selection": {
        **answer(
            {
                "product_ids": {"type": "array", "items": string},
                "filter": answer({"status": string, "query": string}, optional=("status", "query")),
                "bulk_edit_id": {"type": "string", "description": "An undo's: the edit it takes back"},
            },
            optional=("product_ids", "filter", "bulk_edit_id"),
        ),
        "description": "{product_ids}, {filter} or, for an undo, {bulk_edit_id}",
    },
    "status": {"enum": ["preview", "queued", "running", "succeeded", "failed"]},
    "undo_of": nullable_string,
    "undone_by": nullable_string,
    "error": nullable_string,
    "created_at": timestamp,
    "finished_at": {"type": ["string", "null"]},
}
BULK_EDIT_SUMMARY = answer(_edit)
BULK_EDIT = answer(
    {
        **_edit,
        "progress": answer(
            {
                "total": {**integer, "description": "Products to edit (known once the edit is planned)"},
                "done": {**integer, "description": "Products edited (or skipped, or failed) so far"},
                "changed": {**integer, "description": "Fields changed"},
                "skipped": integer,
                "failed": integer,
            }
        ),
        "changes": {"type": "array", "items": BULK_EDIT_CHANGE},
        "skipped": {"type": "array", "items": BULK_EDIT_SKIP},
        "failures": {"type": "array", "items": BULK_EDIT_SKIP},
        "truncated": {**boolean, "description": "Lists hold their first 500 rows; `progress` counts them all"},
    }
)
