"""Products and their variants as shoppers, carts and the merchant read them (product_editing changes them)."""

import functools
import operator

from pynamodb.exceptions import DoesNotExist
from pynamodb.expressions.condition import Condition

from . import cursors, keys, media
from .db import HandleClaim, ProductRecord, TenantItem, VariantRecord
from .errors import Invalid, NotFound


def product_records(tenant_id: str, product_id: str) -> tuple[ProductRecord, list[VariantRecord]]:
    """The product and its variants in the product's order, read consistently: what an edit starts from."""
    if not keys.is_id(product_id):
        raise NotFound("No such product")
    items = list(
        TenantItem.query(tenant_id, TenantItem.sk.startswith(keys.product_sk(product_id)), consistent_read=True)
    )
    product = next((i for i in items if isinstance(i, ProductRecord)), None)
    if product is None:
        raise NotFound("No such product")
    by_id = {v.variant_id: v for v in items if isinstance(v, VariantRecord)}
    return product, [by_id[v] for v in product.variant_ids if v in by_id]


def to_dict(p: ProductRecord, variants: list[VariantRecord], images: dict | None = None) -> dict:
    """A product as the merchant's API shows it; `images` (media.media_items of its images) adds their sizes."""
    return {
        "id": p.product_id,
        "handle": p.handle,
        "title": p.title,
        "description": p.description,
        "status": p.status,
        "currency": p.currency,
        "price_min": int(p.price_min),
        "price_max": int(p.price_max),
        "images": [media.image_answer(i, images or {}) for i in p.images],
        "seo": dict(p.seo.as_dict()) if hasattr(p.seo, "as_dict") else dict(p.seo or {}),
        "options": list(p.option_names),
        "category": p.category,
        "variants": [variant_to_dict(v) for v in variants],
        "translations": plain(p.translations),
        "created_at": p.created_at,
        "updated_at": p.updated_at,
    }


def _search_text_of(tenant_id: str, product: ProductRecord) -> str:
    skus = [v.sku for v in VariantRecord.batch_get([(tenant_id, keys.variant_sk(v)) for v in product.variant_ids])]
    return search_text(product.title, product.handle, skus)


def variant_to_dict(v: VariantRecord) -> dict:
    return {
        "id": v.variant_id,
        "product_id": v.product_id,
        "sku": v.sku,
        "title": v.title,
        "price": int(v.price),
        "compare_at_price": None if v.compare_at_price is None else int(v.compare_at_price),
        "currency": v.currency,
        "inventory_quantity": int(v.inventory_quantity),
        "options": plain(v.options),
    }


def plain(m) -> dict:
    """A map attribute as a dict, whether read back (a MapAttribute) or freshly set (a dict)."""
    return m.as_dict() if hasattr(m, "as_dict") else dict(m or {})


def get_product(tenant_id: str, product_id: str) -> dict:
    product, variants = product_records(tenant_id, product_id)
    return to_dict(product, variants, media.media_items(tenant_id, [i["key"] for i in product.images]))


def product_by_handle(tenant_id: str, handle: str, *, active_only: bool = True) -> dict:
    try:
        claim = HandleClaim.get(tenant_id, keys.handle_sk(handle))
    except DoesNotExist:
        raise NotFound("No such product") from None
    product = get_product(tenant_id, claim.product_id)
    if active_only and product["status"] != "active":
        raise NotFound("No such product")
    return product


def search_text(title: str, handle: str, skus: list[str]) -> str:
    """What the admin's search matches a query against (catalog.list_products), one line per part."""
    return "\n".join([title, handle, *skus]).casefold()


STATUSES = ("active", "draft")
MAX_SEARCH = 200


def list_products(
    tenant_id: str,
    *,
    active_only: bool,
    limit: int,
    cursor: str | None,
    with_variants: bool = True,
    status: str | None = None,
    search: str | None = None,
) -> dict:
    """Newest first. The storefront's list needs one Query; variants cost one BatchGet more.

    The merchant's list (and the bulk edits' filter) may ask for one `status` (active ones come from their own
    index) and `search` a part of the title, handle or a SKU, whatever its case: DynamoDB filters on the text
    kept on each write, reading on until the page is full, so a page stops short of `limit` only at the end."""
    if status not in (None, "") and status not in STATUSES:
        raise Invalid(f"status: one of {', '.join(STATUSES)}", {"status": "unknown status"})
    search = (search or "").strip().casefold()
    if len(search) > MAX_SEARCH:
        raise Invalid(f"q: at most {MAX_SEARCH} characters", {"q": f"at most {MAX_SEARCH} characters"})
    active_only = active_only or status == "active"
    index = ProductRecord.active_products if active_only else ProductRecord.all_products
    pk = keys.active_products_gsi(tenant_id) if active_only else keys.products_gsi(tenant_id)
    conditions: list[Condition] = [ProductRecord.status == status] if status == "draft" else []
    if search:
        # A product last written before the search text was kept has none: it is matched here, the same way.
        conditions.append(ProductRecord.search_text.contains(search) | ProductRecord.search_text.does_not_exist())
    page = index.query(
        pk,
        scan_index_forward=False,
        limit=limit,
        page_size=max(limit, 100) if conditions else limit,
        filter_condition=functools.reduce(operator.and_, conditions) if conditions else None,
        last_evaluated_key=cursors.decode(cursor, tenant_id, index=(index.Meta.index_name, pk)),
    )
    products = [p for p in page if not search or search in (p.search_text or _search_text_of(tenant_id, p))]
    variants: dict[str, VariantRecord] = {}
    if with_variants and products:
        wanted = [(tenant_id, keys.variant_sk(v)) for p in products for v in p.variant_ids]
        variants = {v.variant_id: v for v in VariantRecord.batch_get(wanted)}
    images = media.media_items(tenant_id, [i["key"] for p in products for i in p.images])
    items = [to_dict(p, [variants[v] for v in p.variant_ids if v in variants], images) for p in products]
    if not with_variants:
        for item in items:
            del item["variants"]
    return {"items": items, "next": cursors.encode(page.last_evaluated_key)}


# What a storefront product card shows: a third of a product item's attributes. The home page is
# the hottest path: botocore parses every attribute it gets back and PynamoDB builds a model (with
# every attribute's default) per item, which made most of the page's own time. The card list reads
# these attributes only, straight from the query's answer.
CARD_ATTRIBUTES = [
    "product_id",
    "handle",
    "title",
    "description",
    "price_min",
    "price_max",
    "currency",
    "images",
    "translations",
]


def _card_item(raw: dict, found: dict) -> dict:
    def text(name):
        return raw.get(name, {}).get("S", "")

    images = [i["M"] for i in raw.get("images", {}).get("L", [])]
    return {
        "id": text("product_id"),
        "handle": text("handle"),
        "title": text("title"),
        "description": text("description"),
        "price_min": int(raw["price_min"]["N"]),
        "price_max": int(raw["price_max"]["N"]),
        "currency": text("currency"),
        "images": [
            media.image_answer({"key": i["key"]["S"], "alt": i.get("alt", {}).get("S", "")}, found) for i in images
        ],
        "translations": {
            language: {name: value.get("S") for name, value in entry["M"].items()}
            for language, entry in raw.get("translations", {}).get("M", {}).items()
        },
    }


def list_cards(tenant_id: str, *, limit: int, cursor: str | None) -> dict:
    """The storefront's list: active products, newest first, with only what a card shows."""
    index, pk = ProductRecord.active_products, keys.active_products_gsi(tenant_id)
    answer = ProductRecord._get_connection().query(
        pk,
        index_name=index.Meta.index_name,
        scan_index_forward=False,
        limit=limit,
        attributes_to_get=CARD_ATTRIBUTES,
        exclusive_start_key=cursors.decode(cursor, tenant_id, index=(index.Meta.index_name, pk)),
    )
    raws = answer.get("Items", [])
    found = media.media_items(
        tenant_id, [i["M"]["key"]["S"] for raw in raws for i in raw.get("images", {}).get("L", [])]
    )
    return {
        "items": [_card_item(raw, found) for raw in raws],
        "next": cursors.encode(answer.get("LastEvaluatedKey")),
    }


def purchasable(tenant_id: str, variant_ids: list[str], *, consistent: bool = False) -> dict[str, dict]:
    """What a cart or a checkout needs to know of these variants: the variant, its product's title,
    handle, status and first image. Unknown or foreign ids are simply absent. `consistent` reads the
    stock as it is now (checkout); carts may read a moment old."""
    wanted = list({(tenant_id, keys.variant_sk(v)) for v in variant_ids if keys.product_id_of_variant(v)})
    if not wanted:
        return {}
    variants = list(VariantRecord.batch_get(wanted, consistent_read=consistent))
    products = {
        p.product_id: p
        for p in ProductRecord.batch_get(
            list({(tenant_id, keys.product_sk(v.product_id)) for v in variants}), consistent_read=consistent
        )
    }
    out = {}
    for v in variants:
        p = products.get(v.product_id)
        if p is None or v.variant_id not in p.variant_ids:
            continue
        image = p.images[0] if p.images else None
        out[v.variant_id] = {
            **variant_to_dict(v),
            "product_title": p.title,
            "product_handle": p.handle,
            "product_status": p.status,
            "image_key": image["key"] if image else None,
            "image_alt": (image.get("alt") or p.title) if image else None,
        }
    return out
