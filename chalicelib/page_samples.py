"""One made-up page of each kind a theme has, for a shop: what a merchant's edited template is rendered against
before it is saved (theme_edits.check). The data has the shapes the storefront's page functions pass (catalog's,
carts', orders' and returns' answers), in the shop's currency; only the policies are the shop's own.
"""

import functools
from collections.abc import Callable

from . import policies, storefront
from .errors import DomainError, NotFound, Unavailable

_AT = "2026-01-15T10:30:00Z"


def _product(currency: str) -> dict:
    variants = [
        {
            "id": f"SAMPLEVARIANT{size}",
            "product_id": "SAMPLEPRODUCT",
            "sku": f"SAMPLE-{size}",
            "title": size,
            "price": 2500,
            "compare_at_price": 3000 if size == "M" else None,
            "currency": currency,
            "inventory_quantity": quantity,
            "options": {"Size": size},
        }
        for size, quantity in (("S", 4), ("M", 0), ("L", 12))
    ]
    return {
        "id": "SAMPLEPRODUCT",
        "handle": "sample-linen-shirt",
        "title": "Sample linen shirt",
        "description": "A made-up product: your template is checked against it.",
        "status": "active",
        "currency": currency,
        "price_min": 2500,
        "price_max": 2500,
        "images": [],
        "seo": {},
        "options": ["Size"],
        "category": None,
        "variants": variants,
        "created_at": _AT,
        "updated_at": _AT,
    }


def _line() -> dict:
    return {
        "variant_id": "SAMPLEVARIANTS",
        "product_id": "SAMPLEPRODUCT",
        "product_handle": "sample-linen-shirt",
        "sku": "SAMPLE-S",
        "title": "Sample linen shirt",
        "variant_title": "S",
        "quantity": 2,
        "price": 2500,
        "line_total": 5000,
        "image": None,
    }


def _cart(currency: str) -> dict:
    line = _line()
    return {
        "id": "SAMPLECART",
        "status": "open",
        "currency": currency,
        "lines": [line],
        "subtotal": line["line_total"],
        "item_count": line["quantity"],
        "checkout_id": None,
        "created_at": _AT,
    }


def _order(currency: str) -> dict:
    line = {
        **_line(),
        "title": "Sample linen shirt - S",
        "discount": 0,
        "tax": 0,
        "total": 5000,
        "unit_discounts": [0, 0],
        "unit_taxes": [0, 0],
    }
    return {
        "id": "SAMPLEORDER",
        "number": 1001,
        "email": "shopper@example.com",
        "currency": currency,
        "subtotal": 5000,
        "discount_total": 0,
        "shipping_total": 500,
        "tax_total": 0,
        "total": 5500,
        "financial_status": "paid",
        "fulfillment_status": "fulfilled",
        "lines": [line],
        "discount_code": None,
        "shipping_address": {
            "name": "Sam Shopper",
            "line1": "1 Sample Street",
            "city": "Springfield",
            "postal_code": "12345",
            "country": "US",
        },
        "refunded_total": 0,
        "cancelled_at": None,
        "created_at": _AT,
        "checkout_id": "SAMPLECHECKOUT",
        "payment": {},
        "timeline": [],
        "cancel_reason": None,
        "fulfilments": [
            {
                "id": "SAMPLEFULFILMENT",
                "status": "delivered",
                "lines": [{"variant_id": line["variant_id"], "quantity": 2}],
                "carrier": "Sample Post",
                "tracking_number": "SAMPLE123",
                "tracking_url": None,
                "created_at": _AT,
            }
        ],
        "returns": [],
        "cart_id": "SAMPLECART",
    }


def _return(currency: str) -> dict:
    return {
        "id": "SAMPLERETURN",
        "order_id": "SAMPLEORDER",
        "order_number": 1001,
        "status": "approved",
        "reason": "Too small",
        "items": [{"variant_id": "SAMPLEVARIANTS", "quantity": 1, "title": "Sample linen shirt - S"}],
        "currency": currency,
        "expected_refund": 2500,
        "return_shipping_paid_by": "shopper",
        "rejection_reason": None,
        "payment_url": None,
        "outcome": None,
        "history": [{"status": "requested", "at": _AT}, {"status": "approved", "at": _AT}],
        "steps": [{"status": "requested", "at": _AT}, {"status": "approved", "at": _AT}],
        "created_at": _AT,
    }


def pages(shop) -> list[tuple[str, Callable[[], str]]]:
    """(page, its render) for every page of the shop's theme, each rendered through the storefront as a shopper
    would get it (storefront.render, so template_for decides which templates run)."""
    currency, url = shop.currency, "https://shop.example"
    product = _product(currency)
    listing = {"products": [storefront.card(shop, product)], "next_url": "/?cursor=sample", "shop_url": url}

    def error(err: DomainError, status: int) -> Callable[[], str]:
        return lambda: storefront.error_page(err, shop, "", status)

    return [
        ("home", lambda: storefront.render("home", shop, "", canonical_url=f"{url}/", **listing)),
        (
            "collection",
            lambda: storefront.render("collection", shop, "", collection={"handle": "all"}, **listing),
        ),
        ("search", lambda: storefront.render("search", shop, "", query="shirt", noindex=True, **listing)),
        ("product", lambda: storefront.render("product", shop, "", **storefront.product_context(shop, url, product))),
        ("cart", lambda: storefront.cart_page(shop, "", _cart(currency))),
        ("empty cart", lambda: storefront.cart_page(shop, "", None)),
        ("order status", lambda: storefront.order_status_page(shop, "", _order(currency))),
        ("return status", lambda: storefront.return_status_page(shop, "", _return(currency))),
        ("order pending", lambda: storefront.order_pending_page(shop, "", "We are confirming your payment.")),
        # The policies read the shop's own terms (its return policy, shipping rates, texts): nobody else's.
        *(
            (f"{kind} policy", functools.partial(storefront.policy_page, shop, "", url, kind))
            for kind in policies.KINDS
        ),
        ("not found", error(NotFound("No such page"), 404)),
        ("error", error(DomainError("Something went wrong"), 400)),
        ("suspended", error(Unavailable("This shop is temporarily unavailable"), 503)),
    ]
