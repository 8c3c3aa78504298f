"""What a merchant sends and reads: the account, the shop, its catalogue, media and settings."""

from .common import (
    answer,
    boolean,
    closed,
    country,
    currency,
    display_text,
    handle,
    identifier,
    integer,
    language_tags,
    list_of,
    money,
    nullable_string,
    page_query,
    string,
    text,
    timestamp,
    url,
)
from .media import IMAGE
from .translations import PRODUCT_TRANSLATIONS

# Signing up and in -------------------------------------------------------

SIGNUP = closed(
    {
        "email": text(254, 3),
        "password": text(256, 10),
        "shop_name": display_text(100, 1),
        "subdomain": text(63, 3),
        "currency": currency,
    },
    ("email", "password", "shop_name", "subdomain"),
)
LOGIN = closed({"email": text(254), "password": text(256)}, ("email", "password"))
TOKEN_RESPONSE = answer({"token": string})
PASSWORD_CHANGE = closed({"current_password": text(256), "password": text(256, 10)}, ("current_password", "password"))
PASSWORD_RESET = closed({"email": text(254)}, ("email",))
PASSWORD_RESET_RESPONSE = answer({"message": string})
PASSWORD_RESET_CONFIRM = closed({"token": text(128, 1), "password": text(256, 10)}, ("token", "password"))

# The shop ------------------------------------------------------------------

_color = {"type": "string", "pattern": "^#[0-9a-fA-F]{6}$"}
_font = {"enum": ["system", "serif", "rounded"]}
THEME = answer(
    {
        "name": string,
        "title": string,
        "version": integer,
        "settings": {
            "type": "object",
            "additionalProperties": True,
            "description": "The theme's settings (its settings_schema), defaults filled in",
        },
    }
)
THEMES = answer(
    {
        "items": {
            "type": "array",
            "items": answer(
                {
                    "name": string,
                    "title": string,
                    "description": string,
                    "version": integer,
                    "settings_schema": {
                        "type": "object",
                        "additionalProperties": True,
                        "description": "JSON Schema of the theme's settings",
                    },
                }
            ),
        }
    }
)
CUSTOM_DOMAIN = answer(
    {
        "host": string,
        "status": {
            "enum": ["pending", "verified"],
            "description": "pending: nothing is served on it until its TXT record is verified",
        },
        "txt_name": {"type": "string", "description": "Where the DNS TXT record that proves the domain goes"},
        "txt_value": {"type": "string", "description": "What that TXT record must say"},
    }
)
SHOP = answer(
    {
        "id": string,
        "name": string,
        "subdomain": string,
        "currency": currency,
        "status": {"enum": ["active", "suspended"]},
        "plan": string,
        "custom_domain": {"anyOf": [CUSTOM_DOMAIN, {"type": "null"}]},
        "storefront_url": {"type": "string", "description": "Absolute, on the request's host when it is the shop's"},
        "languages": language_tags,
        "theme": THEME,
    },
    optional=("theme",),
)
SIGNUP_RESPONSE = answer({"token": string, "shop": SHOP})
SHOP_PATCH = closed(
    {
        "name": display_text(100, 1),
        "languages": language_tags,
        "custom_domain": {
            "type": "string",
            "pattern": r"^[a-z0-9]([a-z0-9-]*[a-z0-9])?(\.[a-z0-9]([a-z0-9-]*[a-z0-9])?)+$",
            "maxLength": 253,
        },
        "theme": closed(
            {
                "name": {"type": "string", "maxLength": 60, "description": "One of GET /api/admin/themes"},
                "settings": {
                    "type": "object",
                    "maxProperties": 50,
                    "description": "Some or all of the theme's settings, checked against its settings_schema",
                },
                # The default theme's settings as they were sent before themes had schemas.
                "primary_color": _color,
                "accent_color": _color,
                "background_color": _color,
                "text_color": _color,
                "font": _font,
                "announcement": display_text(200),
                "logo_text": display_text(60),
            }
        ),
    },
    minProperties=1,
)

_policy_text = {**text(20000), "description": "Plain text; a blank line starts a new paragraph"}
POLICIES = answer({"privacy": string, "terms": string})
POLICIES_PUT = closed({"privacy": _policy_text, "terms": _policy_text}, ("privacy", "terms"))

# Products --------------------------------------------------------------------

_options = {
    "type": "object",
    "maxProperties": 3,
    "propertyNames": display_text(64, 1),
    "additionalProperties": display_text(100, 1),
}
_variant_fields = {
    "id": identifier,
    "sku": display_text(64, 1),
    "price": money,
    "compare_at_price": {**money, "type": ["integer", "null"], "description": "The price before a sale; above price"},
    "currency": currency,
    "inventory_quantity": {"type": "integer", "minimum": 0, "maximum": 1_000_000_000},
    "options": _options,
}
_image = closed({"key": text(512, 1), "alt": display_text(512)}, ("key",))
_product_fields = {
    "title": display_text(255, 1),
    "description": text(20_000),
    "status": {"enum": ["active", "draft"]},
    "category": display_text(100),
    "handle": handle,
    "images": {"type": "array", "maxItems": 20, "items": _image},
    "seo": closed({"title": display_text(70), "description": text(320)}),
}
MAX_VARIANTS = 90  # a product and its variants are written in one transaction (100 items)

PRODUCT_CREATE = closed(
    {
        **_product_fields,
        "variants": {
            "type": "array",
            "minItems": 1,
            "maxItems": MAX_VARIANTS,
            "items": closed(
                {k: v for k, v in _variant_fields.items() if k != "id"}, ("sku", "price", "inventory_quantity")
            ),
        },
    },
    ("title", "status", "variants"),
)
PRODUCT_PATCH = closed(
    {
        **_product_fields,
        "variants": {
            "type": "array",
            "maxItems": MAX_VARIANTS,
            "items": closed(_variant_fields),
        },
    },
    minProperties=1,
)
VARIANT = answer(
    {
        "id": string,
        "product_id": string,
        "sku": string,
        "title": {"type": "string", "description": "The option values, e.g. `M / Blue`"},
        "price": money,
        "compare_at_price": {"type": ["integer", "null"], "description": "The price before a sale, or null"},
        "currency": currency,
        "inventory_quantity": {"type": "integer", "description": "Available to sell now (reservations taken out)"},
        "options": {"type": "object", "additionalProperties": string},
    }
)
PRODUCT = answer(
    {
        "id": string,
        "handle": string,
        "title": string,
        "description": string,
        "status": {"enum": ["active", "draft"]},
        "currency": currency,
        "price_min": money,
        "price_max": money,
        "images": {"type": "array", "items": IMAGE},
        "seo": answer({"title": string, "description": string}, optional=("title", "description")),
        "options": {"type": "array", "items": string, "description": "The option names, e.g. `Size`"},
        "category": nullable_string,
        "variants": {"type": "array", "items": VARIANT},
        "translations": PRODUCT_TRANSLATIONS,
        "created_at": timestamp,
        "updated_at": timestamp,
    }
)

# The query of the merchant's list of products.
product_query = {
    **page_query,
    "status": PRODUCT["properties"]["status"],
    "q": {"type": "string", "maxLength": 200, "description": "A part of the title, handle or a SKU, any case"},
}


# Discounts -----------------------------------------------------------------------

DISCOUNT_CREATE = closed(
    {
        "code": display_text(40, 1),
        "type": {"enum": ["percentage", "fixed_amount", "free_shipping"]},
        "value": {"type": "integer", "minimum": 0, "maximum": 100_000_000_00},
        "starts_at": text(40, 1),
        "ends_at": text(40, 1),
        "usage_limit": {"type": "integer", "minimum": 1, "maximum": 1_000_000_000},
        "minimum_subtotal": money,
        "once_per_customer": boolean,
    },
    ("code", "type"),
)
DISCOUNT_PATCH = closed(
    {
        "value": DISCOUNT_CREATE["properties"]["value"],
        "starts_at": {**text(40, 1), "type": ["string", "null"]},
        "ends_at": {**text(40, 1), "type": ["string", "null"]},
        "usage_limit": {"type": ["integer", "null"], "minimum": 1, "maximum": 1_000_000_000},
        "minimum_subtotal": {**money, "type": ["integer", "null"]},
        "once_per_customer": boolean,
    },
    minProperties=1,
)
_nullable_integer = {"type": ["integer", "null"]}
DISCOUNT = answer(
    {
        "id": string,
        "code": string,
        "type": {"enum": ["percentage", "fixed_amount", "free_shipping"]},
        "value": integer,
        "starts_at": nullable_string,
        "ends_at": nullable_string,
        "usage_limit": _nullable_integer,
        "minimum_subtotal": _nullable_integer,
        "once_per_customer": boolean,
        "times_used": integer,
        "created_at": timestamp,
    }
)

# Shipping, tax and payments ------------------------------------------------------

_rate = closed(
    {"name": display_text(100, 1), "amount": money, "countries": list_of(country, most=250), "free_over": money},
    ("name", "amount"),
)
SHIPPING_RATES = closed({"rates": list_of(_rate, most=50)}, ("rates",))
SHIPPING_TABLE = answer(
    {
        "currency": currency,
        "rates": {
            "type": "array",
            "items": answer(
                {
                    "name": string,
                    "amount": money,
                    "countries": {"type": "array", "items": string, "description": "Empty: every country"},
                    "free_over": {"type": ["integer", "null"]},
                }
            ),
        },
    }
)
_tax_rate = closed(
    {"country": country, "rate_bp": {"type": "integer", "minimum": 0, "maximum": 10_000}}, ("country", "rate_bp")
)
TAX_RATES = closed({"prices_include_tax": boolean, "rates": list_of(_tax_rate, most=250)}, minProperties=1)
TAX_TABLE = answer(
    {
        "prices_include_tax": boolean,
        "rates": {"type": "array", "items": answer({"country": string, "rate_bp": integer})},
    }
)
PAYMENTS_CONNECT = closed({"country": country})
PAYMENTS_LINK = closed({"return_url": url, "refresh_url": url})
PAYMENT_ACCOUNT = answer(
    {
        "connected": boolean,
        "account_id": nullable_string,
        "charges_enabled": boolean,
        "payouts_enabled": boolean,
        "details_submitted": boolean,
    }
)
ACCOUNT_LINK = answer({"url": string, "expires_at": {"type": "integer", "description": "Unix seconds"}})

# The audit log ----------------------------------------------------------------

# What a change may be made to: each is a resource the merchant reads (chalicelib/api/merchant/auditing.py).
AUDIT_RESOURCE_TYPES = (
    "product",
    "media",
    "order",
    "return",
    "attention",
    "shop",
    "return_policy",
    "pickup_locations",
    "shipping_rates",
    "tax_rates",
    "discount",
    "payments",
    "bulk_edit",
    "policies",
    "theme_templates",
)
_any_json = {"description": "The field's value as the API shows it; null where the field was absent"}
AUDIT_ENTRY = answer(
    {
        "id": string,
        "at": timestamp,
        "actor": answer({"id": string, "email": string}),
        "via": {"enum": ["api", "admin"]},
        "action": {"type": "string", "description": "The operation, e.g. `update_product`"},
        "resource_type": {"enum": list(AUDIT_RESOURCE_TYPES)},
        "resource_id": {"type": "string", "description": "A setting's id is the shop's"},
        "changes": {
            "type": "array",
            "items": answer({"field": string, "before": _any_json, "after": _any_json}),
            "description": "Each changed field by its dotted path (`variants.<id>.price`), before and after",
        },
    }
)
# The filters of the log and its CSV export.
audit_query = {
    "resource_type": {"enum": list(AUDIT_RESOURCE_TYPES)},
    "resource_id": text(254, 1),
    "actor": {**text(254, 1), "description": "An account's id or email"},
    "since": {"type": "string", "format": "date-time", "description": "From this instant (inclusive)"},
    "until": {"type": "string", "format": "date-time", "description": "To this instant (inclusive)"},
}

# The merchant's home page (GET /api/admin/home): amounts in the shop's currency's minor unit.
_SALES = answer(
    {
        "from": {"type": "string", "format": "date"},
        "to": {"type": "string", "format": "date"},
        "orders": {"type": "integer", "description": "Orders placed"},
        "gross": {"type": "integer", "description": "What those orders came to"},
        "refunds": {"type": "integer", "description": "Refunded in those days (of orders of any day)"},
        "net": {"type": "integer", "description": "gross less refunds"},
    }
)
LOW_STOCK_THRESHOLD = {
    "type": "integer",
    "minimum": 0,
    "maximum": 1_000_000,
    "description": "Low stock means at most this many units available; 5 when absent",
}
HOME = answer(
    {
        "currency": currency,
        "timezone": {"type": "string", "description": "Days are counted in this time zone"},
        "sales": answer({"today": _SALES, "week": {**_SALES, "description": "Monday to today"}}),
        "orders_to_fulfil": {
            "type": "integer",
            "description": "Orders not cancelled nor refunded in full with items left to fulfil",
        },
        "returns_to_handle": {"type": "integer", "description": "Returns to approve or reject, or to receive"},
        "low_stock": answer(
            {
                "threshold": integer,
                "count": {"type": "integer", "description": "Variants with at most `threshold` units available"},
                "items": {
                    "type": "array",
                    "description": "The lowest of them, lowest first",
                    "items": answer(
                        {
                            "product_id": string,
                            "variant_id": string,
                            "title": string,
                            "variant_title": string,
                            "sku": string,
                            "inventory_quantity": integer,
                        }
                    ),
                },
            }
        ),
        "checklist": {
            "type": "array",
            "description": "A new shop's first steps, each done or not, with the admin page that does it",
            "items": answer(
                {
                    "step": {"enum": ["add_product", "connect_payments", "set_shipping"]},
                    "title": string,
                    "done": boolean,
                    "url": string,
                }
            ),
        },
    }
)
