"""Products and their variants."""

import re
import unicodedata

from pynamodb.exceptions import DoesNotExist, TransactWriteError
from pynamodb.transactions import TransactWrite

from . import clock, cursors, keys, media
from .db import HandleClaim, ProductRecord, TenantItem, VariantRecord, connection, failed_conditions
from .errors import Conflict, Invalid, NotFound


def slugify(title: str) -> str:
    ascii_title = unicodedata.normalize("NFKD", title).encode("ascii", "ignore").decode()
    slug = re.sub(r"[^a-z0-9]+", "-", ascii_title.lower()).strip("-")[:80].strip("-")
    return slug or "product"


# Reading -----------------------------------------------------------------


def _load(tenant_id: str, product_id: str) -> tuple[ProductRecord, list[VariantRecord]]:
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


def _to_dict(p: ProductRecord, variants: list[VariantRecord]) -> dict:
    return {
        "id": p.product_id,
        "handle": p.handle,
        "title": p.title,
        "description": p.description,
        "status": p.status,
        "currency": p.currency,
        "price_min": int(p.price_min),
        "price_max": int(p.price_max),
        "images": [{"key": i["key"], "url": media.url_for(i["key"]), "alt": i.get("alt", "")} for i in p.images],
        "seo": dict(p.seo.as_dict()) if hasattr(p.seo, "as_dict") else dict(p.seo or {}),
        "options": list(p.option_names),
        "category": p.category,
        "variants": [variant_to_dict(v) for v in variants],
        "created_at": p.created_at,
        "updated_at": p.updated_at,
    }


def variant_to_dict(v: VariantRecord) -> dict:
    return {
        "id": v.variant_id,
        "product_id": v.product_id,
        "sku": v.sku,
        "title": v.title,
        "price": int(v.price),
        "currency": v.currency,
        "inventory_quantity": int(v.inventory_quantity),
        "options": _plain(v.options),
    }


def _plain(m) -> dict:
    return m.as_dict() if hasattr(m, "as_dict") else dict(m or {})


def get_product(tenant_id: str, product_id: str) -> dict:
    return _to_dict(*_load(tenant_id, product_id))


def product_by_handle(tenant_id: str, handle: str, *, active_only: bool = True) -> dict:
    try:
        claim = HandleClaim.get(tenant_id, keys.handle_sk(handle))
    except DoesNotExist:
        raise NotFound("No such product") from None
    product = get_product(tenant_id, claim.product_id)
    if active_only and product["status"] != "active":
        raise NotFound("No such product")
    return product


def list_products(
    tenant_id: str, *, active_only: bool, limit: int, cursor: str | None, with_variants: bool = True
) -> dict:
    """Newest first. The storefront's list needs one Query; variants cost one BatchGet more."""
    index = ProductRecord.active_products if active_only else ProductRecord.all_products
    pk = keys.active_products_gsi(tenant_id) if active_only else keys.products_gsi(tenant_id)
    page = index.query(
        pk,
        scan_index_forward=False,
        limit=limit,
        last_evaluated_key=cursors.decode(cursor, tenant_id, index=(index.Meta.index_name, pk)),
    )
    products = list(page)
    variants: dict[str, VariantRecord] = {}
    if with_variants and products:
        wanted = [(tenant_id, keys.variant_sk(v)) for p in products for v in p.variant_ids]
        variants = {v.variant_id: v for v in VariantRecord.batch_get(wanted)}
    items = [_to_dict(p, [variants[v] for v in p.variant_ids if v in variants]) for p in products]
    if not with_variants:
        for item in items:
            del item["variants"]
    return {"items": items, "next": cursors.encode(page.last_evaluated_key)}


# What a storefront product card shows: a third of a product item's attributes. The home page is
# the hottest path: botocore parses every attribute it gets back and PynamoDB builds a model (with
# every attribute's default) per item, which made most of the page's own time. The card list reads
# these attributes only, straight from the query's answer.
CARD_ATTRIBUTES = ["product_id", "handle", "title", "description", "price_min", "price_max", "currency", "images"]


def _card_item(raw: dict) -> dict:
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
            {"key": i["key"]["S"], "url": media.url_for(i["key"]["S"]), "alt": i.get("alt", {}).get("S", "")}
            for i in images
        ],
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
    return {
        "items": [_card_item(raw) for raw in answer.get("Items", [])],
        "next": cursors.encode(answer.get("LastEvaluatedKey")),
    }


def get_variants(tenant_id: str, variant_ids: list[str]) -> dict[str, dict]:
    """The shop's variants among these ids (unknown or foreign ids are simply absent)."""
    wanted = {(tenant_id, keys.variant_sk(v)) for v in variant_ids if keys.product_id_of_variant(v)}
    return {v.variant_id: variant_to_dict(v) for v in VariantRecord.batch_get(list(wanted))} if wanted else {}


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


# Writing -----------------------------------------------------------------


def _check_variants(tenant_id: str, currency: str, variants: list[dict]) -> None:
    """Rules no JSON schema can state: shop currency, unique SKUs, consistent options."""
    skus = {}
    combos = {}
    option_names = None
    for i, v in enumerate(variants):
        if v.get("currency", currency) != currency:
            raise Invalid(
                f"variants[{i}].currency: this shop sells in {currency}",
                {f"variants[{i}].currency": f"must be {currency}"},
            )
        sku = v["sku"].strip()
        if not sku:
            raise Invalid(f"variants[{i}].sku: must not be blank", {f"variants[{i}].sku": "must not be blank"})
        if sku in skus:
            raise Invalid(f"variants[{i}].sku: duplicate SKU {sku}", {f"variants[{i}].sku": "duplicate SKU"})
        skus[sku] = i
        options = v.get("options") or {}
        if option_names is None:
            option_names = list(options)
        elif sorted(options) != sorted(option_names):
            raise Invalid(
                f"variants[{i}].options: every variant needs the options {option_names}",
                {f"variants[{i}].options": f"must name {option_names}"},
            )
        combo = tuple(options.get(n) for n in option_names)
        if combo in combos:
            raise Invalid(
                f"variants[{i}].options: two variants with the same options",
                {f"variants[{i}].options": "duplicate option values"},
            )
        combos[combo] = i


def _variant_title(options: dict) -> str:
    return " / ".join(options.values()) or "Default"


def _allocate_handle(tenant_id: str, wanted: str) -> str:
    taken = {
        c.sk.split("#", 1)[1]
        for c in HandleClaim.query(tenant_id, HandleClaim.sk.startswith(keys.handle_sk(wanted)), consistent_read=True)
    }
    n = 1
    candidate = wanted
    while candidate in taken:
        n += 1
        candidate = f"{wanted}-{n}"
    return candidate


def _summary(product: ProductRecord, variants: list[VariantRecord]) -> None:
    prices = [int(v.price) for v in variants]
    product.price_min, product.price_max = min(prices), max(prices)
    product.variant_ids = [v.variant_id for v in variants]
    first = _plain(variants[0].options) if variants else {}
    product.option_names = list(first)
    if product.status == "active":
        product.gsi2pk, product.gsi2sk = keys.active_products_gsi(product.pk), product.product_id
    else:
        product.gsi2pk = product.gsi2sk = None


def _check_images(tenant_id: str, images: list[dict]) -> list[dict]:
    return [
        {"key": media.check_key(tenant_id, img["key"], f"images[{i}].key"), "alt": img.get("alt", "")}
        for i, img in enumerate(images)
    ]


def _title(title: str) -> str:
    # The schema's minLength counts spaces; a title of only spaces would be an empty product name.
    if not title.strip():
        raise Invalid("title: must not be blank", {"title": "must not be blank"})
    return title.strip()


def create_product(tenant_id: str, currency: str, data: dict) -> dict:
    _title(data["title"])
    _check_variants(tenant_id, currency, data["variants"])
    images = _check_images(tenant_id, data.get("images", []))
    product_id, now = keys.new_id(), clock.now_iso()
    variants = [
        VariantRecord(
            tenant_id,
            keys.variant_sk(vid),
            variant_id=vid,
            product_id=product_id,
            sku=v["sku"].strip(),
            title=_variant_title(v.get("options") or {}),
            price=v["price"],
            currency=currency,
            inventory_quantity=v["inventory_quantity"],
            options=v.get("options") or {},
        )
        for v in data["variants"]
        for vid in [keys.new_variant_id(product_id)]
    ]
    product = ProductRecord(
        tenant_id,
        keys.product_sk(product_id),
        product_id=product_id,
        title=data["title"].strip(),
        description=data.get("description", ""),
        status=data["status"],
        images=images,
        seo=data.get("seo", {}),
        category=(data.get("category") or "").strip() or None,
        currency=currency,
        created_at=now,
        updated_at=now,
        gsi1pk=keys.products_gsi(tenant_id),
        gsi1sk=product_id,
        handle="",
    )
    _summary(product, variants)
    wanted = data.get("handle") or slugify(data["title"])
    for _attempt in range(5):
        product.handle = _allocate_handle(tenant_id, wanted) if not data.get("handle") else wanted
        try:
            with TransactWrite(connection=connection()) as tx:
                tx.save(
                    HandleClaim(tenant_id, keys.handle_sk(product.handle), product_id=product_id),
                    condition=HandleClaim.pk.does_not_exist(),
                )
                tx.save(product, condition=ProductRecord.pk.does_not_exist())
                for v in variants:
                    tx.save(v, condition=VariantRecord.pk.does_not_exist())
        except TransactWriteError as e:
            if (tenant_id, keys.handle_sk(product.handle)) in failed_conditions(tx, e):
                if data.get("handle"):
                    raise Conflict("handle: another product has it", {"handle": "taken"}) from None
                continue  # someone took that handle between our look and our write: pick again
            raise
        return get_product(tenant_id, product_id)
    raise Conflict("Could not find a free handle; set one", {"handle": "taken"})


def update_product(tenant_id: str, product_id: str, patch: dict) -> dict:
    product, variants = _load(tenant_id, product_id)
    by_id = {v.variant_id: v for v in variants}
    added, changed = [], []
    touched: list[tuple[int, VariantRecord]] = []  # (index in the patch, the variant it changes or adds)
    keyed: set[int] = set()  # indexes of the entries that send a sku or options
    for i, change in enumerate(patch.get("variants", [])):
        if "id" in change:
            v = by_id.get(change["id"])
            if v is None:
                raise Invalid(f"variants[{i}].id: not a variant of this product", {f"variants[{i}].id": "unknown"})
            for field in ("sku", "price", "inventory_quantity"):
                if field in change:
                    setattr(v, field, change[field].strip() if field == "sku" else change[field])
            if "options" in change:
                v.options, v.title = change["options"], _variant_title(change["options"])
            if "currency" in change and change["currency"] != product.currency:
                raise Invalid(
                    f"variants[{i}].currency: this shop sells in {product.currency}",
                    {f"variants[{i}].currency": f"must be {product.currency}"},
                )
            changed.append(v)
            touched.append((i, v))
            if "sku" in change or "options" in change:
                keyed.add(i)
        else:
            missing = [f for f in ("sku", "price", "inventory_quantity") if f not in change]
            if missing:
                raise Invalid(
                    f"variants[{i}].{missing[0]}: is required for a new variant",
                    {f"variants[{i}].{missing[0]}": "is required"},
                )
            if change.get("currency", product.currency) != product.currency:
                raise Invalid(
                    f"variants[{i}].currency: this shop sells in {product.currency}",
                    {f"variants[{i}].currency": f"must be {product.currency}"},
                )
            vid = keys.new_variant_id(product_id)
            opts = change.get("options") or {}
            added.append(
                VariantRecord(
                    tenant_id,
                    keys.variant_sk(vid),
                    variant_id=vid,
                    product_id=product_id,
                    sku=change["sku"].strip(),
                    title=_variant_title(opts),
                    price=change["price"],
                    currency=product.currency,
                    inventory_quantity=change["inventory_quantity"],
                    options=opts,
                )
            )
            touched.append((i, added[-1]))
            keyed.add(i)
    merged = variants + added
    if len(merged) > 90:
        raise Invalid("variants: at most 90 per product", {"variants": "too many"})
    # Checked with the patch's entries last (those sending a sku or options after the others), so a
    # clash is reported on the entry that caused it, under its index in the patch.
    touched.sort(key=lambda t: t[0] in keyed)
    untouched = [v for v in merged if all(v is not t for _, t in touched)]
    try:
        _check_variants(
            tenant_id,
            product.currency,
            [
                {"sku": v.sku, "options": _plain(v.options), "currency": v.currency}
                for v in untouched + [t for _, t in touched]
            ],
        )
    except Invalid as e:
        raise _renumbered(e, {len(untouched) + n: i for n, (i, _) in enumerate(touched)}) from None
    for field in ("title", "description", "status"):
        if field in patch:
            setattr(product, field, _title(patch[field]) if field == "title" else patch[field])
    if "images" in patch:
        product.images = _check_images(tenant_id, patch["images"])
    if "seo" in patch:
        product.seo = patch["seo"]
    if "category" in patch:
        product.category = patch["category"].strip() or None
    old_handle = product.handle
    if "handle" in patch:
        product.handle = patch["handle"]
    product.updated_at = clock.now_iso()
    _summary(product, merged)
    try:
        with TransactWrite(connection=connection()) as tx:
            if product.handle != old_handle:
                tx.save(
                    HandleClaim(tenant_id, keys.handle_sk(product.handle), product_id=product_id),
                    condition=HandleClaim.pk.does_not_exist(),
                )
                tx.delete(HandleClaim(tenant_id, keys.handle_sk(old_handle)))
            tx.save(product)  # the version attribute makes a concurrent edit fail, not merge silently
            for v in changed:
                tx.save(v, condition=VariantRecord.pk.exists())
            for v in added:
                tx.save(v, condition=VariantRecord.pk.does_not_exist())
    except TransactWriteError as e:
        if product.handle != old_handle and (tenant_id, keys.handle_sk(product.handle)) in failed_conditions(tx, e):
            raise Conflict("handle: another product has it", {"handle": "taken"}) from None
        raise Conflict("The product changed while you edited it; try again") from None
    return get_product(tenant_id, product_id)


def _renumbered(err: Invalid, indexes: dict[int, int]) -> Invalid:
    """The same error with `variants[k]` renamed `variants[indexes[k]]`."""

    def rename(text: str) -> str:
        return re.sub(r"variants\[(\d+)\]", lambda m: f"variants[{indexes.get(int(m[1]), int(m[1]))}]", text)

    return Invalid(rename(err.message), {rename(k): v for k, v in err.fields.items()})


def delete_product(tenant_id: str, product_id: str) -> None:
    product, variants = _load(tenant_id, product_id)
    try:
        with TransactWrite(connection=connection()) as tx:
            tx.delete(product)  # the version condition: an edit in between makes this a 409
            tx.delete(HandleClaim(tenant_id, keys.handle_sk(product.handle)))
            for v in variants:
                tx.delete(v)
    except TransactWriteError:
        raise Conflict("The product changed while you deleted it; try again") from None


def delete_variant(tenant_id: str, product_id: str, variant_id: str) -> dict:
    product, variants = _load(tenant_id, product_id)
    gone = next((v for v in variants if v.variant_id == variant_id), None)
    if gone is None:
        raise NotFound("No such variant")
    rest = [v for v in variants if v is not gone]
    if not rest:
        raise Conflict("A product needs at least one variant; delete the product instead")
    _summary(product, rest)
    product.updated_at = clock.now_iso()
    try:
        with TransactWrite(connection=connection()) as tx:
            tx.save(product)
            tx.delete(gone)
    except TransactWriteError:
        raise Conflict("The product changed while you edited it; try again") from None
    return get_product(tenant_id, product_id)
