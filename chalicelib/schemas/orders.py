"""Orders and what follows the sale: fulfilments, cancellation, refunds, returns, and the merchant's
after-sale settings (return policy, pickup locations, the carrier webhook). Merchants read orders whole;
shoppers read their returns."""

from .common import (
    ADDRESS,
    answer,
    boolean,
    closed,
    country,
    currency,
    display_text,
    identifier,
    integer,
    list_of,
    money,
    nullable_string,
    nullable_timestamp,
    quantity,
    string,
    text,
    timestamp,
    unit_list,
    units,
    url,
)

_nullable_money = {"type": ["integer", "null"], "minimum": 0}

# Fulfilments ----------------------------------------------------------------

FULFILMENT_CREATE = closed(
    {
        "items": units,
        "carrier": display_text(50),
        "tracking_number": display_text(100),
        "tracking_url": url,
        "pickup_location_id": identifier,
    }
)
FULFILMENT_STATUS_CHANGE = closed(
    {
        "status": {"enum": ["in_transit", "delivered", "ready_for_pickup", "picked_up", "cancelled"]},
        "carrier": display_text(50),
        "tracking_number": display_text(100),
        "tracking_url": url,
    },
    ("status",),
)
_pickup_address = closed(
    {
        "line1": display_text(200, 1),
        "line2": display_text(200),
        "city": display_text(100, 1),
        "postal_code": display_text(20, 1),
        "country": country,
    },
    ("line1", "city", "postal_code", "country"),
)
_location = closed(
    {"id": identifier, "name": display_text(100, 1), "address": _pickup_address, "hours": display_text(200)},
    ("name", "address"),
)
PICKUP_LOCATIONS = closed({"locations": list_of(_location, most=50)}, ("locations",))
PICKUP_LOCATION = answer(
    {
        "id": string,
        "name": string,
        "address": answer(
            {"line1": string, "line2": string, "city": string, "postal_code": string, "country": string},
            optional=("line2",),
        ),
        "hours": string,
    }
)
PICKUP_LOCATION_LIST = answer({"locations": {"type": "array", "items": PICKUP_LOCATION}})
FULFILMENT = answer(
    {
        "id": string,
        "status": {"enum": ["pending", "in_transit", "delivered", "ready_for_pickup", "picked_up", "cancelled"]},
        "method": {"enum": ["shipping", "pickup"]},
        "items": unit_list,
        "carrier": nullable_string,
        "tracking_number": nullable_string,
        "tracking_url": nullable_string,
        "pickup_location": {"anyOf": [PICKUP_LOCATION, {"type": "null"}]},
        "created_at": timestamp,
        "updated_at": timestamp,
        "shipped_at": nullable_timestamp,
        "delivered_at": nullable_timestamp,
        "cancelled_at": nullable_timestamp,
    }
)
CARRIER_EVENT_ACK = answer(
    {
        "received": boolean,
        "applied": {"type": "boolean", "description": "false: the update was old news (or a status already reached)"},
        "fulfilment_id": string,
        "status": string,
    },
    optional=("fulfilment_id", "status"),
)
CARRIER_WEBHOOK = answer(
    {
        "url": string,
        "secret": string,
        "signature_header": string,
        "signature": {"type": "string", "description": "How the carrier signs a body"},
        "statuses": {"type": "array", "items": string},
    }
)

# Cancelling and refunding ------------------------------------------------------

ORDER_CANCEL = closed({"reason": text(500)})
REFUND_CREATE = closed({"amount": money, "lines": units, "reason": text(500)})
REFUND = answer(
    {
        "id": string,
        "amount": money,
        "status": {
            "enum": ["pending", "succeeded", "failed"],
            "description": "pending until Stripe reports the refund succeeded (only then does it count in the "
            "order's refunded_total; its amount is held back meanwhile); failed when Stripe reports it failed or "
            "canceled (nothing was refunded, the amount is free again)",
        },
        "lines": unit_list,
        "shipping": money,
        "reason": nullable_string,
        "return_id": nullable_string,
        "stripe_refund_id": nullable_string,
        "created_at": timestamp,
    }
)

# Orders ------------------------------------------------------------------------

ORDER_SEARCH = {
    **text(200),
    "description": "An order number (`1001` or `#1001`), or part of the buyer's email (any case)",
}

ORDER_LINE = answer(
    {
        "variant_id": string,
        "product_id": string,
        "sku": string,
        "title": string,
        "variant_title": string,
        "quantity": integer,
        "price": money,
        "discount": money,
        "tax": money,
        "total": money,
        "unit_discounts": {"type": "array", "items": integer, "description": "Each unit's share of `discount`"},
        "unit_taxes": {"type": "array", "items": integer, "description": "Each unit's share of `tax`"},
    }
)
PAYMENT = answer(
    {
        "provider": {"enum": ["stripe", "exchange"]},
        "amount": money,
        "payment_intent": nullable_string,
        "session_id": nullable_string,
        "account_id": nullable_string,
        "return_id": string,
        "original_order_id": string,
        "credit": money,
    },
    optional=("payment_intent", "session_id", "account_id", "return_id", "original_order_id", "credit"),
)
ORDER = answer(
    {
        "id": string,
        "number": integer,
        "email": string,
        "currency": currency,
        "subtotal": money,
        "discount_total": money,
        "shipping_total": money,
        "tax_total": money,
        "total": money,
        "refunded_total": money,
        "financial_status": {"enum": ["pending", "paid", "partially_refunded", "refunded"]},
        "fulfillment_status": {"enum": ["unfulfilled", "partial", "fulfilled"]},
        "lines": {"type": "array", "items": ORDER_LINE},
        "discount_code": nullable_string,
        "shipping_address": ADDRESS,
        "checkout_id": nullable_string,
        "payment": {"anyOf": [PAYMENT, {"type": "null"}]},
        "timeline": {
            "type": "array",
            "items": answer({"at": timestamp, "type": string, "message": string}),
            "description": "What happened to the order, oldest first",
        },
        "cancelled_at": nullable_timestamp,
        "cancel_reason": nullable_string,
        "fulfilments": {"type": "array", "items": FULFILMENT},
        "refunds": {"type": "array", "items": REFUND},
        "created_at": timestamp,
    }
)

# Returns -------------------------------------------------------------------------

_policy_fields = {
    "window_days": {"type": "integer", "minimum": 0, "maximum": 365},
    "approval": {"enum": ["manual", "automatic"]},
    "auto_approve": closed(
        {
            "max_value": {"type": ["integer", "null"], "minimum": 0, "maximum": 100_000_000_00},
            "reasons": {"type": "array", "maxItems": 50, "items": display_text(100, 1)},
        }
    ),
    "restocking_fee_percent": {"type": "integer", "minimum": 0, "maximum": 100},
    "refund_original_shipping": boolean,
    "return_shipping_paid_by": {"enum": ["customer", "merchant"]},
    "exchanges_allowed": boolean,
    "store_credit_allowed": boolean,
    "final_sale_product_ids": {"type": "array", "maxItems": 500, "items": identifier},
    "final_sale_categories": {"type": "array", "maxItems": 100, "items": display_text(100, 1)},
    "parcel_days": {"type": "integer", "minimum": 1, "maximum": 180},
}
RETURN_POLICY_PUT = closed(_policy_fields)
RETURN_POLICY_PATCH = closed(_policy_fields, minProperties=1)
RETURN_POLICY = answer(
    {
        **_policy_fields,
        "auto_approve": answer({"max_value": _nullable_money, "reasons": {"type": "array", "items": string}}),
    }
)
_received = closed(
    {
        "variant_id": identifier,
        "quantity": {"type": "integer", "minimum": 0, "maximum": 999},
        "condition": {"enum": ["resellable", "damaged"]},
    },
    ("variant_id", "quantity", "condition"),
)
RETURN_RECEIVE = closed({"items": list_of(_received, most=100, least=1)})
RETURN_REJECT = closed({"reason": text(500)})
_exchange_line = answer(
    {
        "variant_id": string,
        "product_id": string,
        "sku": string,
        "title": string,
        "variant_title": string,
        "quantity": quantity,
        "price": money,
    }
)
NEEDS_ATTENTION = {
    "anyOf": [answer({"reason": string, "error": string, "since": timestamp}), {"type": "null"}],
    "description": "Set when a compensation failed for good (a refund not sent, stock not given back): "
    "the merchant deals with it, then clears it (POST /api/admin/attention/{kind}/{id}/resolve)",
}
ATTENTION_ITEM = answer(
    {
        "kind": {"enum": ["checkout", "return"]},
        "id": string,
        "order_id": string,
        "email": string,
        "status": string,
        "reason": string,
        "error": string,
        "since": timestamp,
    }
)
ATTENTION_LIST = answer(
    {"items": {"type": "array", "items": ATTENTION_ITEM, "description": "Newest first, at most 100"}}
)
ATTENTION_RESOLVED = answer(
    {"kind": {"enum": ["checkout", "return"]}, "id": string, "needs_attention": {"type": "null"}}
)
RETURN = answer(
    {
        "id": string,
        "order_id": string,
        "order_number": integer,
        "status": {
            "enum": [
                "awaiting_payment",
                "requested",
                "approved",
                "in_transit",
                "received",
                "refunded",
                "credited",
                "exchanged",
                "closed",
                "rejected",
                "expired",
            ],
            "description": "`awaiting_payment`: an exchange whose replacement costs more waits for the difference",
        },
        "reason": string,
        "resolution": {"enum": ["refund", "store_credit", "exchange"]},
        "items": {
            "type": "array",
            "items": answer(
                {"variant_id": string, "quantity": integer, "reason": nullable_string, "exchange_for": nullable_string}
            ),
        },
        "received": {
            "type": "array",
            "items": answer(
                {"variant_id": string, "quantity": integer, "condition": {"enum": ["resellable", "damaged"]}}
            ),
        },
        "expected_refund": money,
        "exchange": {
            "anyOf": [
                answer(
                    {
                        "items": {"type": "array", "items": _exchange_line},
                        "cost": money,
                        "credit": money,
                        "difference": {"type": "integer", "description": "cost - credit: > 0 the shopper pays it"},
                        "order_id": nullable_string,
                        "payment_status": nullable_string,
                    }
                ),
                {"type": "null"},
            ]
        },
        "payment_url": {"type": ["string", "null"], "description": "While `awaiting_payment`: where to pay"},
        "outcome": {
            "anyOf": [
                answer(
                    {
                        "amount": money,
                        "refund_id": nullable_string,
                        "code": {"type": ["string", "null"], "description": "Store credit: the single-use code"},
                        "order_id": string,
                        "order_number": integer,
                    },
                    optional=("refund_id", "code", "order_id", "order_number"),
                ),
                {"type": "null"},
            ]
        },
        "return_shipping_paid_by": {"enum": ["customer", "merchant", None]},
        "status_url": string,
        "history": {"type": "array", "items": answer({"at": timestamp, "status": string})},
        "needs_attention": NEEDS_ATTENTION,
        "rejection_reason": {"type": ["string", "null"], "description": "Why the merchant rejected it, if they said"},
        "created_at": timestamp,
        "updated_at": timestamp,
    }
)
