"""JSON Schemas of request and response bodies.

Each request schema here is the very object the validator runs
(`validation.parse`) and the one `/openapi.json` publishes.
"""

_text = lambda max_len, min_len=0: {"type": "string", "minLength": min_len, "maxLength": max_len}  # noqa: E731
_money = {"type": "integer", "minimum": 0, "maximum": 100_000_000_00}
_currency = {"type": "string", "pattern": "^[A-Z]{3}$"}

SIGNUP = {
    "type": "object",
    "properties": {
        "email": _text(254, 3),
        "password": _text(256, 10),
        "shop_name": _text(100, 1),
        "subdomain": _text(63, 3),
        "currency": _currency,
    },
    "required": ["email", "password", "shop_name", "subdomain"],
    "additionalProperties": False,
}

LOGIN = {
    "type": "object",
    "properties": {"email": _text(254), "password": _text(256)},
    "required": ["email", "password"],
    "additionalProperties": False,
}

_options = {
    "type": "object",
    "maxProperties": 3,
    "propertyNames": {"minLength": 1, "maxLength": 64},
    "additionalProperties": _text(100, 1),
}

_variant_fields = {
    "id": _text(64, 1),
    "sku": _text(64, 1),
    "price": _money,
    "currency": _currency,
    "inventory_quantity": {"type": "integer", "minimum": 0, "maximum": 1_000_000_000},
    "options": _options,
}

_image = {
    "type": "object",
    "properties": {"key": _text(512, 1), "alt": _text(512)},
    "required": ["key"],
    "additionalProperties": False,
}

_product_fields = {
    "title": _text(255, 1),
    "description": _text(20_000),
    "status": {"enum": ["active", "draft"]},
    "category": _text(100),
    "handle": {"type": "string", "pattern": "^[a-z0-9]+(-[a-z0-9]+)*$", "maxLength": 100},
    "images": {"type": "array", "maxItems": 20, "items": _image},
    "seo": {
        "type": "object",
        "properties": {"title": _text(70), "description": _text(320)},
        "additionalProperties": False,
    },
}

MAX_VARIANTS = 90  # a product and its variants are written in one transaction (100 items)

PRODUCT_CREATE = {
    "type": "object",
    "properties": {
        **_product_fields,
        "variants": {
            "type": "array",
            "minItems": 1,
            "maxItems": MAX_VARIANTS,
            "items": {
                "type": "object",
                "properties": {k: v for k, v in _variant_fields.items() if k != "id"},
                "required": ["sku", "price", "inventory_quantity"],
                "additionalProperties": False,
            },
        },
    },
    "required": ["title", "status", "variants"],
    "additionalProperties": False,
}

PRODUCT_PATCH = {
    "type": "object",
    "properties": {
        **_product_fields,
        "variants": {
            "type": "array",
            "maxItems": MAX_VARIANTS,
            "items": {"type": "object", "properties": _variant_fields, "additionalProperties": False},
        },
    },
    "additionalProperties": False,
    "minProperties": 1,
}

# Responses (published in /openapi.json)
ERROR = {
    "type": "object",
    "properties": {"message": {"type": "string"}, "fields": {"type": "object"}},
    "required": ["message"],
}
SHOP = {
    "type": "object",
    "properties": {
        "id": {"type": "string"},
        "subdomain": {"type": "string"},
        "currency": _currency,
        "storefront_url": {"type": "string"},
    },
}
SIGNUP_RESPONSE = {"type": "object", "properties": {"token": {"type": "string"}, "shop": SHOP}}
TOKEN_RESPONSE = {"type": "object", "properties": {"token": {"type": "string"}}}
VARIANT = {
    "type": "object",
    "properties": {
        "id": {"type": "string"},
        "sku": {"type": "string"},
        "title": {"type": "string"},
        "price": _money,
        "currency": _currency,
        "inventory_quantity": {"type": "integer"},
        "options": {"type": "object"},
    },
}
PRODUCT = {
    "type": "object",
    "properties": {
        "id": {"type": "string"},
        "handle": {"type": "string"},
        **{k: v for k, v in _product_fields.items() if k != "handle"},
        "variants": {"type": "array", "items": VARIANT},
        "created_at": {"type": "string"},
        "updated_at": {"type": "string"},
    },
}


def page_of(item_schema: dict) -> dict:
    return {
        "type": "object",
        "properties": {"items": {"type": "array", "items": item_schema}, "next": {"type": ["string", "null"]}},
    }


TENANT = {
    "type": "object",
    "properties": {
        "id": {"type": "string"},
        "subdomain": {"type": "string"},
        "plan": {"type": "string"},
        "status": {"enum": ["active", "suspended"]},
        "created_at": {"type": "string"},
        "usage": {"type": "object"},
    },
}
HEALTH = {"type": "object", "properties": {"status": {"type": "string"}}}

_color = {"type": "string", "pattern": "^#[0-9a-fA-F]{6}$"}
SHOP_PATCH = {
    "type": "object",
    "properties": {
        "name": _text(100, 1),
        "custom_domain": {
            "type": "string",
            "pattern": r"^[a-z0-9]([a-z0-9-]*[a-z0-9])?(\.[a-z0-9]([a-z0-9-]*[a-z0-9])?)+$",
            "maxLength": 253,
        },
        "theme": {
            "type": "object",
            "properties": {
                "primary_color": _color,
                "accent_color": _color,
                "background_color": _color,
                "text_color": _color,
                "font": {"enum": ["system", "serif", "rounded"]},
                "announcement": _text(200),
                "logo_text": _text(60),
            },
            "additionalProperties": False,
        },
    },
    "additionalProperties": False,
    "minProperties": 1,
}
SHOP["properties"].update(
    {
        "name": {"type": "string"},
        "status": {"type": "string"},
        "plan": {"type": "string"},
        "custom_domain": {"type": ["string", "null"]},
        "theme": {"type": "object"},
    }
)

MEDIA_UPLOAD = {
    "type": "object",
    "properties": {
        "filename": {"type": "string", "pattern": r"^[A-Za-z0-9][A-Za-z0-9._-]{0,99}$"},
        "content_type": {"enum": ["image/png", "image/jpeg", "image/webp", "image/gif"]},
        "data": {"type": "string", "minLength": 4, "maxLength": 5_600_000},
    },
    "required": ["filename", "content_type", "data"],
    "additionalProperties": False,
}
MEDIA = {"type": "object", "properties": {"key": {"type": "string"}, "url": {"type": "string"}}}

SLA_REPORT = {
    "type": "object",
    "properties": {
        "month": {"type": "string"},
        "items": {
            "type": "array",
            "items": {
                "type": "object",
                "properties": {
                    "tenant_id": {"type": "string"},
                    "requests": {"type": "integer"},
                    "server_errors": {"type": "integer"},
                    "availability": {"type": ["number", "null"]},
                    "latency_ms": {
                        "type": "object",
                        "properties": {
                            "p50": {"type": ["integer", "null"]},
                            "p95": {"type": ["integer", "null"]},
                            "p99": {"type": ["integer", "null"]},
                        },
                    },
                    "promise": {"type": "object"},
                    "met": {"type": "boolean"},
                },
            },
        },
    },
}

# Carts, checkout, orders, discounts, shipping and tax --------------------
_quantity = {"type": "integer", "minimum": 1, "maximum": 999}
_country = {"type": "string", "pattern": "^[A-Z]{2}$"}
_id = _text(64, 1)

CART_ITEM = {
    "type": "object",
    "properties": {"variant_id": _id, "quantity": _quantity},
    "required": ["variant_id", "quantity"],
    "additionalProperties": False,
}
CART_ITEM_PATCH = {
    "type": "object",
    "properties": {"quantity": {"type": "integer", "minimum": 0, "maximum": 999}},
    "required": ["quantity"],
    "additionalProperties": False,
}
CART_CREATE = {"type": "object", "additionalProperties": False}
ADDRESS = {
    "type": "object",
    "properties": {
        "name": _text(200, 1),
        "line1": _text(200, 1),
        "line2": _text(200),
        "city": _text(100, 1),
        "state": _text(100),
        "postal_code": _text(20, 1),
        "country": _country,
        "phone": _text(40),
    },
    "required": ["name", "line1", "city", "postal_code", "country"],
    "additionalProperties": False,
}
CHECKOUT = {
    "type": "object",
    "properties": {"email": _text(254, 3), "shipping_address": ADDRESS, "discount_code": _text(40)},
    "required": ["email", "shipping_address"],
    "additionalProperties": False,
}
ORDER_LOOKUP = {
    "type": "object",
    "properties": {"number": {"type": "integer", "minimum": 1, "maximum": 999_999_999_999}, "email": _text(254, 3)},
    "required": ["number", "email"],
    "additionalProperties": False,
}
DISCOUNT_CREATE = {
    "type": "object",
    "properties": {
        "code": _text(40, 1),
        "type": {"enum": ["percentage", "fixed_amount", "free_shipping"]},
        "value": {"type": "integer", "minimum": 0, "maximum": 100_000_000_00},
        "starts_at": _text(40, 1),
        "ends_at": _text(40, 1),
        "usage_limit": {"type": "integer", "minimum": 1, "maximum": 1_000_000_000},
        "minimum_subtotal": _money,
        "once_per_customer": {"type": "boolean"},
    },
    "required": ["code", "type"],
    "additionalProperties": False,
}
SHIPPING_RATES = {
    "type": "object",
    "properties": {
        "rates": {
            "type": "array",
            "maxItems": 50,
            "items": {
                "type": "object",
                "properties": {
                    "name": _text(100, 1),
                    "amount": _money,
                    "countries": {"type": "array", "maxItems": 250, "items": _country},
                    "free_over": _money,
                },
                "required": ["name", "amount"],
                "additionalProperties": False,
            },
        }
    },
    "required": ["rates"],
    "additionalProperties": False,
}
TAX_RATES = {
    "type": "object",
    "properties": {
        "prices_include_tax": {"type": "boolean"},
        "rates": {
            "type": "array",
            "maxItems": 250,
            "items": {
                "type": "object",
                "properties": {"country": _country, "rate_bp": {"type": "integer", "minimum": 0, "maximum": 10_000}},
                "required": ["country", "rate_bp"],
                "additionalProperties": False,
            },
        },
    },
    "additionalProperties": False,
    "minProperties": 1,
}
PAYMENTS_CONNECT = {
    "type": "object",
    "properties": {"country": _country},
    "additionalProperties": False,
}
PAYMENTS_LINK = {
    "type": "object",
    "properties": {
        "return_url": {"type": "string", "pattern": "^https?://", "maxLength": 2000},
        "refresh_url": {"type": "string", "pattern": "^https?://", "maxLength": 2000},
    },
    "additionalProperties": False,
}

CART_LINE = {
    "type": "object",
    "properties": {
        "variant_id": {"type": "string"},
        "product_id": {"type": "string"},
        "sku": {"type": "string"},
        "title": {"type": "string"},
        "variant_title": {"type": "string"},
        "quantity": {"type": "integer"},
        "price": _money,
        "line_total": _money,
        "image": {"type": ["object", "null"]},
    },
}
CART = {
    "type": "object",
    "properties": {
        "id": {"type": "string"},
        "status": {"enum": ["open", "checking_out", "completed"]},
        "currency": _currency,
        "lines": {"type": "array", "items": CART_LINE},
        "subtotal": _money,
        "item_count": {"type": "integer"},
        "checkout_id": {"type": ["string", "null"]},
    },
}
CHECKOUT_STARTED = {"type": "object", "properties": {"checkout_id": {"type": "string"}}}
CHECKOUT_STATUS = {
    "type": "object",
    "properties": {
        "id": {"type": "string"},
        "status": {"enum": ["processing", "awaiting_payment", "paid", "failed", "expired"]},
        "payment_url": {"type": "string"},
        "order_id": {"type": "string"},
        "failure_reason": {"type": "string"},
        "total": _money,
        "currency": _currency,
    },
}
ORDER_LINE = {
    "type": "object",
    "properties": {
        "variant_id": {"type": "string"},
        "sku": {"type": "string"},
        "title": {"type": "string"},
        "variant_title": {"type": "string"},
        "quantity": {"type": "integer"},
        "price": _money,
        "discount": _money,
        "tax": _money,
        "total": _money,
        "unit_discounts": {"type": "array", "items": {"type": "integer"}},
        "unit_taxes": {"type": "array", "items": {"type": "integer"}},
    },
}
ORDER = {
    "type": "object",
    "properties": {
        "id": {"type": "string"},
        "number": {"type": "integer"},
        "email": {"type": "string"},
        "currency": _currency,
        "subtotal": _money,
        "discount_total": _money,
        "shipping_total": _money,
        "tax_total": _money,
        "total": _money,
        "refunded_total": _money,
        "financial_status": {"enum": ["pending", "paid", "partially_refunded", "refunded"]},
        "fulfillment_status": {"enum": ["unfulfilled", "partial", "fulfilled"]},
        "lines": {"type": "array", "items": ORDER_LINE},
        "discount_code": {"type": ["string", "null"]},
        "shipping_address": ADDRESS,
        "cancelled_at": {"type": ["string", "null"]},
        "created_at": {"type": "string"},
        "timeline": {"type": "array", "items": {"type": "object"}},
    },
}
ORDER_LOOKUP_RESPONSE = {
    "type": "object",
    "properties": {"order_id": {"type": "string"}, "status_url": {"type": "string"}},
}
DISCOUNT = {
    "type": "object",
    "properties": {
        **DISCOUNT_CREATE["properties"],
        "id": {"type": "string"},
        "times_used": {"type": "integer"},
        "created_at": {"type": "string"},
    },
}
PAYMENT_ACCOUNT = {
    "type": "object",
    "properties": {
        "connected": {"type": "boolean"},
        "account_id": {"type": ["string", "null"]},
        "charges_enabled": {"type": "boolean"},
        "payouts_enabled": {"type": "boolean"},
        "details_submitted": {"type": "boolean"},
    },
}
ACCOUNT_LINK = {"type": "object", "properties": {"url": {"type": "string"}, "expires_at": {"type": "integer"}}}
WEBHOOK_ACK = {"type": "object", "properties": {"received": {"type": "boolean"}}}

# After the sale: fulfilments, cancellation, refunds, return policy, returns ---------
_units = {
    "type": "array",
    "minItems": 1,
    "maxItems": 100,
    "items": {
        "type": "object",
        "properties": {"variant_id": _id, "quantity": _quantity},
        "required": ["variant_id", "quantity"],
        "additionalProperties": False,
    },
}
_url = {"type": "string", "pattern": "^https?://", "maxLength": 2000}
FULFILMENT_CREATE = {
    "type": "object",
    "properties": {
        "items": _units,
        "carrier": _text(50),
        "tracking_number": _text(100),
        "tracking_url": _url,
        "pickup_location_id": _id,
    },
    "additionalProperties": False,
}
FULFILMENT_STATUS_CHANGE = {
    "type": "object",
    "properties": {
        "status": {"enum": ["in_transit", "delivered", "ready_for_pickup", "picked_up", "cancelled"]},
        "carrier": _text(50),
        "tracking_number": _text(100),
        "tracking_url": _url,
    },
    "required": ["status"],
    "additionalProperties": False,
}
ORDER_CANCEL = {"type": "object", "properties": {"reason": _text(500)}, "additionalProperties": False}
REFUND_CREATE = {
    "type": "object",
    "properties": {"amount": _money, "lines": _units, "reason": _text(500)},
    "additionalProperties": False,
}
_policy_fields = {
    "window_days": {"type": "integer", "minimum": 0, "maximum": 365},
    "approval": {"enum": ["manual", "automatic"]},
    "auto_approve": {
        "type": "object",
        "properties": {
            "max_value": {"type": ["integer", "null"], "minimum": 0, "maximum": 100_000_000_00},
            "reasons": {"type": "array", "maxItems": 50, "items": _text(100, 1)},
        },
        "additionalProperties": False,
    },
    "restocking_fee_percent": {"type": "integer", "minimum": 0, "maximum": 100},
    "refund_original_shipping": {"type": "boolean"},
    "return_shipping_paid_by": {"enum": ["customer", "merchant"]},
    "exchanges_allowed": {"type": "boolean"},
    "store_credit_allowed": {"type": "boolean"},
    "final_sale_product_ids": {"type": "array", "maxItems": 500, "items": _id},
    "final_sale_categories": {"type": "array", "maxItems": 100, "items": _text(100, 1)},
    "parcel_days": {"type": "integer", "minimum": 1, "maximum": 180},
}
RETURN_POLICY_PUT = {"type": "object", "properties": _policy_fields, "additionalProperties": False}
RETURN_POLICY_PATCH = {
    "type": "object",
    "properties": _policy_fields,
    "additionalProperties": False,
    "minProperties": 1,
}
RETURN_POLICY = {"type": "object", "properties": _policy_fields}
_pickup_address = {
    "type": "object",
    "properties": {
        "line1": _text(200, 1),
        "line2": _text(200),
        "city": _text(100, 1),
        "postal_code": _text(20, 1),
        "country": _country,
    },
    "required": ["line1", "city", "postal_code", "country"],
    "additionalProperties": False,
}
PICKUP_LOCATIONS = {
    "type": "object",
    "properties": {
        "locations": {
            "type": "array",
            "maxItems": 50,
            "items": {
                "type": "object",
                "properties": {"id": _id, "name": _text(100, 1), "address": _pickup_address, "hours": _text(200)},
                "required": ["name", "address"],
                "additionalProperties": False,
            },
        }
    },
    "required": ["locations"],
    "additionalProperties": False,
}
RETURN_REQUEST = {
    "type": "object",
    "properties": {
        "email": _text(254, 3),
        "items": {
            "type": "array",
            "minItems": 1,
            "maxItems": 100,
            "items": {
                "type": "object",
                "properties": {"variant_id": _id, "quantity": _quantity, "reason": _text(500), "exchange_for": _id},
                "required": ["variant_id", "quantity"],
                "additionalProperties": False,
            },
        },
        "reason": _text(500, 1),
        "resolution": {"enum": ["refund", "store_credit", "exchange"]},
    },
    "required": ["email", "items", "reason"],
    "additionalProperties": False,
}
RETURN_RECEIVE = {
    "type": "object",
    "properties": {
        "items": {
            "type": "array",
            "minItems": 1,
            "maxItems": 100,
            "items": {
                "type": "object",
                "properties": {
                    "variant_id": _id,
                    "quantity": {"type": "integer", "minimum": 0, "maximum": 999},
                    "condition": {"enum": ["resellable", "damaged"]},
                },
                "required": ["variant_id", "quantity", "condition"],
                "additionalProperties": False,
            },
        }
    },
    "additionalProperties": False,
}
RETURN_SHIPPED = {
    "type": "object",
    "properties": {"email": _text(254, 3), "carrier": _text(50), "tracking_number": _text(100)},
    "required": ["email"],
    "additionalProperties": False,
}
_unit_list = {
    "type": "array",
    "items": {"type": "object", "properties": {"variant_id": {"type": "string"}, "quantity": {"type": "integer"}}},
}
FULFILMENT = {
    "type": "object",
    "properties": {
        "id": {"type": "string"},
        "status": {"enum": ["pending", "in_transit", "delivered", "ready_for_pickup", "picked_up", "cancelled"]},
        "method": {"enum": ["shipping", "pickup"]},
        "items": _unit_list,
        "carrier": {"type": ["string", "null"]},
        "tracking_number": {"type": ["string", "null"]},
        "tracking_url": {"type": ["string", "null"]},
        "pickup_location": {"type": ["object", "null"]},
        "created_at": {"type": "string"},
        "shipped_at": {"type": ["string", "null"]},
        "delivered_at": {"type": ["string", "null"]},
    },
}
REFUND = {
    "type": "object",
    "properties": {
        "id": {"type": "string"},
        "amount": _money,
        "status": {"enum": ["pending", "succeeded", "failed"]},
        "lines": _unit_list,
        "shipping": _money,
        "reason": {"type": ["string", "null"]},
        "return_id": {"type": ["string", "null"]},
        "stripe_refund_id": {"type": ["string", "null"]},
        "created_at": {"type": "string"},
    },
}
RETURN = {
    "type": "object",
    "properties": {
        "id": {"type": "string"},
        "order_id": {"type": "string"},
        "order_number": {"type": "integer"},
        "status": {
            "enum": [
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
            ]
        },
        "reason": {"type": "string"},
        "resolution": {"enum": ["refund", "store_credit", "exchange"]},
        "items": _unit_list,
        "received": _unit_list,
        "expected_refund": _money,
        "exchange": {"type": ["object", "null"]},
        "outcome": {"type": ["object", "null"]},
        "status_url": {"type": "string"},
        "history": {"type": "array"},
        "created_at": {"type": "string"},
    },
}
CARRIER_WEBHOOK = {
    "type": "object",
    "properties": {"url": {"type": "string"}, "secret": {"type": "string"}, "signature_header": {"type": "string"}},
}
ORDER["properties"].update(
    {
        "fulfilments": {"type": "array", "items": FULFILMENT},
        "refunds": {"type": "array", "items": REFUND},
        "cancel_reason": {"type": ["string", "null"]},
    }
)
