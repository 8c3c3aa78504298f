"""The demo shop and the operator account for `make run`; safe to run again."""

import io
import os

from chalicelib import accounts, catalog, keys, media, onboarding, payment_accounts, product_editing, tenants
from chalicelib.errors import Conflict

DEMO = {
    "email": "merchant@acme.test",
    "password": "acme-demo-password",
    "shop_name": "Acme Outfitters",
    "subdomain": "acme",
    "currency": "USD",
}

PRODUCTS = [
    (
        "Classic Organic Tee",
        "Soft, breathable organic cotton.\nCut for everyday comfort.",
        ("#f3efe7", "#1f3a5f"),
        [
            ("TEE-S-NVY", 2500, 12, {"Size": "S", "Color": "Navy"}),
            ("TEE-M-NVY", 2500, 20, {"Size": "M", "Color": "Navy"}),
            ("TEE-L-NVY", 2500, 0, {"Size": "L", "Color": "Navy"}),
            ("TEE-M-SND", 2700, 8, {"Size": "M", "Color": "Sand"}),
        ],
    ),
    (
        "Trail Runner Cap",
        "Lightweight cap with a moisture-wicking band.",
        ("#e8f1ee", "#2e6b57"),
        [("CAP-OS", 1800, 30, {"Size": "One size"})],
    ),
    (
        "Waxed Canvas Tote",
        "Holds a week of groceries or a laptop and a jumper.",
        ("#f5ebe0", "#8a5a2b"),
        [("TOTE-STD", 4800, 6, {})],
    ),
    (
        "Merino Crew Socks",
        "Warm in winter, cool in summer. Two pairs.",
        ("#eef0f7", "#4a4e8c"),
        [("SOCK-S", 1600, 40, {"Size": "S/M"}), ("SOCK-L", 1600, 25, {"Size": "L/XL"})],
    ),
    (
        "Packable Rain Shell",
        "Seam-sealed, folds into its own pocket.",
        ("#e9f3f8", "#1d6fa5"),
        [("SHELL-M", 11900, 3, {"Size": "M"}), ("SHELL-L", 11900, 2, {"Size": "L"})],
    ),
]


def connect_payments(tenant_id: str, stripe_emulator) -> None:
    """The demo shop takes payments: its Connect onboarding, completed in the emulator."""
    account = payment_accounts.get(tenant_id)
    if account is None:
        account_id = payment_accounts.connect(tenant_id)[0]["account_id"]
    elif account.charges_enabled:
        return
    else:
        account_id = account.account_id
    if stripe_emulator is not None:
        stripe_emulator.complete_onboarding(account_id)
    payment_accounts.refresh(tenant_id)


def swatch(background: str, colour: str) -> bytes:
    """A product's stand-in photo: a disc on a plain ground, 1200 px square (a PNG)."""
    from PIL import Image, ImageDraw

    image = Image.new("RGB", (1200, 1200), background)
    draw = ImageDraw.Draw(image)
    draw.ellipse((285, 225, 915, 855), fill=colour)
    draw.rounded_rectangle((285, 900, 915, 954), radius=27, fill=colour)
    out = io.BytesIO()
    image.save(out, "PNG")
    return out.getvalue()


def add_products(shop) -> None:
    """The demo catalogue (each product with its swatch image, uploaded and processed as a merchant's) in `shop`."""
    for title, description, (bg, fg), variants in PRODUCTS:
        slug = product_editing.slugify(title)
        key = media.put(shop.tenant_id, f"media/{keys.new_id()}-{slug}.png", swatch(bg, fg), "image/png")
        media.process(key)
        product_editing.create_product(
            shop.tenant_id,
            shop.currency,
            {
                "title": title,
                "description": description,
                "status": "active",
                "images": [{"key": key, "alt": title}],
                "variants": [{"sku": s, "price": p, "inventory_quantity": q, "options": o} for s, p, q, o in variants],
            },
        )


def seed_all(stripe_emulator=None) -> dict:
    operator_email = os.environ.setdefault("OPERATOR_EMAIL", "operator@platform.test")
    operator_password = os.environ.setdefault("OPERATOR_PASSWORD", "operator-password")
    accounts.ensure_operator(operator_email, operator_password)
    shop = tenants.shop_for_subdomain(DEMO["subdomain"])
    if shop is None:
        try:
            shop = tenants.signup(**DEMO)["shop"]
        except Conflict:
            shop = tenants.shop_for_subdomain(DEMO["subdomain"])
        onboarding.start(shop)
    if not catalog.list_products(shop.tenant_id, active_only=False, limit=1, cursor=None)["items"]:
        add_products(shop)
    if os.environ.get("STRIPE_SECRET_KEY"):
        connect_payments(shop.tenant_id, stripe_emulator)
    return {**DEMO, "operator_email": operator_email, "operator_password": operator_password}
