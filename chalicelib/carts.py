"""Shopping carts: one per shopper per shop, in the shop's currency, gone after a month untouched.

A line keeps the variant's title and price as they were when it was added (the
cart page shows them); the checkout prices the order at the current price.
Every change is one conditional write on the cart's `version`, so two tabs
adding at once never lose a line.
"""

import time

from . import catalog, clock, keys, lifecycle, media, settings
from .db import CartRecord, conditionally
from .errors import Conflict, Invalid, NotFound

# Lifecycle: a checkout locks the cart; a failed or expired one opens it again; a paid one completes it.
TRANSITIONS = {
    "open": {"checking_out"},
    "checking_out": {"open", "completed"},
    "completed": set(),
}
LIFECYCLE = lifecycle.Lifecycle("cart", TRANSITIONS)
MAX_LINE_QUANTITY = 999
# A checkout reserves every line in one DynamoDB transaction (100 items, a few go to the discount and
# the reservation record), so a cart holds at most this many different variants.
MAX_LINES = 50


def _expiry() -> int:
    return int(time.time()) + settings.CART_IDLE_SECONDS


def load(tenant_id: str, cart_id: str, *, consistent: bool = True) -> CartRecord:
    cart = CartRecord.by_id(tenant_id, cart_id, keys.cart_sk, "cart", consistent=consistent)
    if cart.expires_at < time.time():  # TTL deletes late (and never locally)
        raise NotFound("No such cart")
    return cart


def lines_of(cart: CartRecord) -> list[dict]:
    """The cart's lines in the order they were added."""
    raw = cart.lines.as_dict() if hasattr(cart.lines, "as_dict") else dict(cart.lines or {})
    return sorted(
        ({"variant_id": vid, **line} for vid, line in raw.items()),
        key=lambda line: (line.get("added_at", ""), line["variant_id"]),
    )


def to_dict(cart: CartRecord) -> dict:
    lines = []
    images = media.media_items(cart.pk, [line["image_key"] for line in lines_of(cart) if line.get("image_key")])
    for line in lines_of(cart):
        price, quantity = int(line["price"]), int(line["quantity"])
        lines.append(
            {
                "variant_id": line["variant_id"],
                "product_id": line["product_id"],
                "product_handle": line["product_handle"],
                "sku": line["sku"],
                "title": line["title"],
                "variant_title": line["variant_title"],
                "quantity": quantity,
                "price": price,
                "line_total": price * quantity,
                "image": (
                    media.image_answer(
                        {"key": line["image_key"], "alt": line.get("image_alt") or line["title"]}, images
                    )
                    if line.get("image_key")
                    else None
                ),
            }
        )
    return {
        "id": cart.cart_id,
        "status": cart.status,
        "currency": cart.currency,
        "lines": lines,
        "subtotal": sum(line["line_total"] for line in lines),
        "item_count": sum(line["quantity"] for line in lines),
        "checkout_id": cart.checkout_id,
        "created_at": cart.created_at,
        "updated_at": cart.updated_at,
    }


def get(tenant_id: str, cart_id: str) -> dict:
    return to_dict(load(tenant_id, cart_id))


def for_page(tenant_id: str, cart_id: str | None) -> dict | None:
    """The cart page's cart: None when there is none, it is gone, or it was checked out already."""
    try:
        cart = load(tenant_id, cart_id or "", consistent=False)
    except NotFound:
        return None
    return to_dict(cart) if cart.status != "completed" else None


def create(tenant_id: str, currency: str) -> dict:
    now = clock.now_iso()
    cart_id = keys.new_id()
    cart = CartRecord(
        tenant_id,
        keys.cart_sk(cart_id),
        cart_id=cart_id,
        currency=currency,
        status="open",
        lines={},
        created_at=now,
        updated_at=now,
        expires_at=_expiry(),
        version=0,
    )
    cart.save(condition=CartRecord.pk.does_not_exist())
    return to_dict(cart)


def require_open(cart: CartRecord) -> None:
    if cart.status == "checking_out":
        raise Conflict(
            "This cart is being checked out; wait for the checkout to finish", {"cart": "checkout in progress"}
        )
    if cart.status != "open":
        raise Conflict("This cart has been checked out; start a new one", {"cart": "checked out"})


def _snapshot(variant: dict, quantity: int, added_at: str) -> dict:
    options = variant["options"]
    return {
        "quantity": quantity,
        "price": variant["price"],
        "product_id": variant["product_id"],
        "product_handle": variant["product_handle"],
        "sku": variant["sku"],
        "title": variant["product_title"],
        "variant_title": variant["title"] if options else "",
        "image_key": variant["image_key"],
        "image_alt": variant["image_alt"],
        "added_at": added_at,
    }


def check_sellable(variant: dict | None, field: str) -> dict:
    """`variant` (catalog.purchasable) if it can be bought; Invalid naming `field` otherwise."""
    if variant is None:
        raise Invalid(f"{field}: not a product of this shop", {field: "unknown variant"})
    if variant["product_status"] != "active":
        raise Invalid(f"{field}: this product is not for sale", {field: "not for sale"})
    return variant


def sellable_variant(tenant_id: str, variant_id, field: str = "variant_id") -> dict:
    """The shop's variant if it can be bought; Invalid naming `field` otherwise."""
    return check_sellable(catalog.purchasable(tenant_id, [variant_id]).get(variant_id), field)


def _check_stock(variant: dict, quantity: int) -> None:
    available = max(int(variant["inventory_quantity"]), 0)
    if quantity > available:
        raise Conflict(
            f"Only {available} of {variant['product_title']} available", {"quantity": f"only {available} available"}
        )


def _write(cart: CartRecord, actions: list) -> CartRecord:
    """One change, applied only to the cart version we read: a concurrent change makes it a 409."""
    conditionally(
        cart.update,
        actions=actions
        + [
            CartRecord.version.set(cart.version + 1),
            CartRecord.updated_at.set(clock.now_iso()),
            CartRecord.expires_at.set(_expiry()),
        ],
        condition=(CartRecord.version == cart.version) & (CartRecord.status == "open"),
        otherwise=Conflict("The cart changed meanwhile; reload it and try again", {"cart": "changed"}),
    )
    return cart


def add_item(tenant_id: str, cart_id: str, variant_id: str, quantity: int) -> dict:
    """Adds `quantity` to the line of that variant (a new line if there is none)."""
    cart = load(tenant_id, cart_id)
    require_open(cart)
    variant = sellable_variant(tenant_id, variant_id)
    current = next((line for line in lines_of(cart) if line["variant_id"] == variant_id), None)
    total = quantity + (int(current["quantity"]) if current else 0)
    if total > MAX_LINE_QUANTITY:
        raise Invalid(f"quantity: at most {MAX_LINE_QUANTITY} of one item", {"quantity": "too many"})
    if current is None and len(lines_of(cart)) >= MAX_LINES:
        raise Invalid(f"variant_id: a cart holds at most {MAX_LINES} different items", {"variant_id": "cart is full"})
    _check_stock(variant, total)
    added_at = (current or {}).get("added_at") or clock.now_iso()
    return to_dict(_write(cart, [CartRecord.lines[variant_id].set(_snapshot(variant, total, added_at))]))


def set_quantity(tenant_id: str, cart_id: str, variant_id: str, quantity: int) -> dict:
    """Sets a line's quantity; 0 removes it. A variant not in the cart is a 404 (it is in the path)."""
    cart = load(tenant_id, cart_id)
    require_open(cart)
    current = next((line for line in lines_of(cart) if line["variant_id"] == variant_id), None)
    if current is None:
        raise NotFound("This cart has no such item")
    if quantity == 0:
        return to_dict(_write(cart, [CartRecord.lines[variant_id].remove()]))
    variant = sellable_variant(tenant_id, variant_id)
    _check_stock(variant, quantity)
    return to_dict(
        _write(
            cart,
            [
                CartRecord.lines[variant_id].set(
                    _snapshot(variant, quantity, current.get("added_at") or clock.now_iso())
                )
            ],
        )
    )


# Used by the checkout, in its transactions -----------------------------------


def lock_in(tx, cart: CartRecord, checkout_id: str) -> None:
    """Adds to the checkout's first transaction: the cart, open and unchanged since read, is checking out."""
    LIFECYCLE.move_in(
        tx,
        cart,
        "checking_out",
        CartRecord.checkout_id.set(checkout_id),
        CartRecord.version.add(1),
        CartRecord.updated_at.set(clock.now_iso()),
        condition=CartRecord.version == cart.version,
    )


def complete_in(tx, tenant_id: str, cart_id: str, checkout_id: str) -> None:
    """Adds to the order's transaction: the cart that checkout held is completed."""
    LIFECYCLE.move_in(
        tx,
        CartRecord(tenant_id, keys.cart_sk(cart_id)),
        "completed",
        CartRecord.version.add(1),
        condition=CartRecord.checkout_id == checkout_id,
        read=False,
    )


def reopen(tenant_id: str, cart_id: str, checkout_id: str) -> None:
    """A failed checkout hands the cart back to the shopper (only if that checkout still holds it)."""
    LIFECYCLE.move(
        CartRecord(tenant_id, keys.cart_sk(cart_id)),
        "open",
        CartRecord.updated_at.set(clock.now_iso()),
        CartRecord.expires_at.set(_expiry()),
        CartRecord.version.add(1),
        condition=CartRecord.checkout_id == checkout_id,
        read=False,
    )
