"""What a shopper sends and reads on a shop: carts, checkout, order lookup, returns."""

from .common import (
    ADDRESS,
    answer,
    closed,
    currency,
    display_text,
    identifier,
    integer,
    language_tag,
    list_of,
    money,
    nullable_string,
    quantity,
    string,
    text,
    timestamp,
)
from .media import IMAGE

CART_CREATE = closed({})
CART_ITEM = closed({"variant_id": identifier, "quantity": quantity}, ("variant_id", "quantity"))
CART_ITEM_PATCH = closed({"quantity": {"type": "integer", "minimum": 0, "maximum": 999}}, ("quantity",))
CART_LINE = answer(
    {
        "variant_id": string,
        "product_id": string,
        "product_handle": string,
        "sku": string,
        "title": string,
        "variant_title": string,
        "quantity": integer,
        "price": money,
        "line_total": money,
        "image": {
            "anyOf": [IMAGE, {"type": "null"}],
            "description": "The product's first image, its sizes once processed",
        },
    }
)
CART = answer(
    {
        "id": string,
        "status": {"enum": ["open", "checking_out", "completed"]},
        "currency": currency,
        "lines": {"type": "array", "items": CART_LINE},
        "subtotal": money,
        "item_count": integer,
        "checkout_id": nullable_string,
        "created_at": timestamp,
        "updated_at": timestamp,
    }
)

CHECKOUT = closed(
    {
        "email": text(254, 3),
        "shipping_address": ADDRESS,
        "discount_code": display_text(40),
        "language": {**language_tag, "description": "The page's language: the order's pages and emails speak it"},
    },
    ("email", "shipping_address"),
)
CHECKOUT_STARTED = answer({"checkout_id": string})
CHECKOUT_STATUS = answer(
    {
        "id": string,
        "status": {"enum": ["processing", "awaiting_payment", "paid", "failed", "expired"]},
        "payment_url": {"type": "string", "description": "While `awaiting_payment`: where to pay"},
        "order_id": {"type": "string", "description": "Once `paid`"},
        "order_status_url": {"type": "string", "description": "Once `paid`: the order's status page"},
        "failure_reason": {"type": "string", "description": "Once `failed` or `expired`, e.g. `out_of_stock`"},
        "subtotal": money,
        "discount_total": money,
        "shipping_total": money,
        "tax_total": money,
        "total": money,
        "currency": currency,
    },
    optional=("payment_url", "order_id", "order_status_url", "failure_reason"),
)

ORDER_LOOKUP = closed(
    {"number": {"type": "integer", "minimum": 1, "maximum": 999_999_999_999}, "email": text(254, 3)},
    ("number", "email"),
)
ORDER_LOOKUP_RESPONSE = answer({"order_id": string, "status_url": string})

RETURN_REQUEST = closed(
    {
        "email": text(254, 3),
        "items": list_of(
            closed(
                {"variant_id": identifier, "quantity": quantity, "reason": text(500), "exchange_for": identifier},
                ("variant_id", "quantity"),
            ),
            most=100,
            least=1,
        ),
        "reason": text(500, 1),
        "resolution": {"enum": ["refund", "store_credit", "exchange"]},
    },
    ("email", "items", "reason"),
)
RETURN_SHIPPED = closed(
    {"email": text(254, 3), "carrier": display_text(50), "tracking_number": display_text(100)}, ("email",)
)
