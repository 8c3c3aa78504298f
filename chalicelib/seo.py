"""What search engines read of a product besides the page itself: its schema.org JSON-LD, with an offer per
variant. Every theme's <head> writes it out (templates/themes/_common/seo.html, which adds the shop as an
organisation and the page's breadcrumbs), so a theme cannot forget it."""

from . import money

SCHEMA = "https://schema.org"


def product(product: dict, shop_name: str, url: str) -> dict:
    """`product` as the product page shows it (catalog.product_by_handle with its images)."""
    return {
        "@context": SCHEMA,
        "@type": "Product",
        "name": product["title"],
        "description": product["description"] or "",
        "sku": next((v["sku"] for v in product["variants"] if v.get("sku")), product["id"]),
        "brand": {"@type": "Brand", "name": shop_name},
        "image": [i["src"] for i in product["images"] if i],
        "url": url,
        "offers": [
            {
                "@type": "Offer",
                "sku": v.get("sku") or v["id"],
                "name": v["title"],
                "price": money.amount_input(v["price"], v["currency"]),
                "priceCurrency": v["currency"].upper(),
                "availability": f"{SCHEMA}/{'InStock' if v['available'] > 0 else 'OutOfStock'}",
                "url": url,
            }
            for v in product["variants"]
        ],
    }
