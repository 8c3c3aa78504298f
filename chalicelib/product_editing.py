"""The merchant's editing of products: create, change and delete products and their variants,
each handle claimed once per shop, and the rules on variants no JSON schema can state."""

import re
import unicodedata

from pynamodb.exceptions import TransactWriteError
from pynamodb.transactions import TransactWrite

from . import catalog, clock, keys, media, product_translations
from .db import HandleClaim, ProductRecord, VariantRecord, connection, failed_conditions
from .errors import Conflict, DomainError, Invalid, NotFound


def slugify(title: str) -> str:
    ascii_title = unicodedata.normalize("NFKD", title).encode("ascii", "ignore").decode()
    slug = re.sub(r"[^a-z0-9]+", "-", ascii_title.lower()).strip("-")[:80].strip("-")
    return slug or "product"


def _check_variants(tenant_id: str, currency: str, variants: list[dict]) -> None:
    """Rules no JSON schema can state: shop currency, unique SKUs, consistent options, a compare-at price above
    the price."""
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
        if v.get("compare_at_price") is not None and v["compare_at_price"] <= v["price"]:
            raise Invalid(
                f"variants[{i}].compare_at_price: must be more than the price",
                {f"variants[{i}].compare_at_price": "must be more than the price"},
            )
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


def _new_variant(tenant_id: str, product_id: str, currency: str, entry: dict) -> VariantRecord:
    """A new variant of the product from a checked entry of a create or a patch."""
    variant_id = keys.new_variant_id(product_id)
    options = entry.get("options") or {}
    return VariantRecord(
        tenant_id,
        keys.variant_sk(variant_id),
        variant_id=variant_id,
        product_id=product_id,
        sku=entry["sku"].strip(),
        title=_variant_title(options),
        price=entry["price"],
        compare_at_price=entry.get("compare_at_price"),
        currency=currency,
        inventory_quantity=entry["inventory_quantity"],
        options=options,
        gsi3pk=keys.stock_levels_gsi(tenant_id),
    )


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
    first = catalog.plain(variants[0].options) if variants else {}
    product.option_names = list(first)
    product.search_text = catalog.search_text(product.title, product.handle, [v.sku for v in variants])
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
    variants = [_new_variant(tenant_id, product_id, currency, v) for v in data["variants"]]
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
    wanted = data.get("handle") or slugify(data["title"])
    for _attempt in range(5):
        product.handle = _allocate_handle(tenant_id, wanted) if not data.get("handle") else wanted
        _summary(product, variants)
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
        return catalog.get_product(tenant_id, product_id)
    raise Conflict("Could not find a free handle; set one", {"handle": "taken"})


def update_product(tenant_id: str, product_id: str, patch: dict) -> dict:
    product, variants = catalog.product_records(tenant_id, product_id)
    by_id = {v.variant_id: v for v in variants}
    added, changed = [], []
    touched: list[tuple[int, VariantRecord]] = []  # (index in the patch, the variant it changes or adds)
    keyed: set[int] = set()  # indexes of the entries that send a sku or options
    for i, change in enumerate(patch.get("variants", [])):
        if "id" in change:
            v = by_id.get(change["id"])
            if v is None:
                raise Invalid(f"variants[{i}].id: not a variant of this product", {f"variants[{i}].id": "unknown"})
            for field in ("sku", "price", "compare_at_price", "inventory_quantity"):
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
            added.append(_new_variant(tenant_id, product_id, product.currency, change))
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
            [_checked_entry(v, compare=False) for v in untouched] + [_checked_entry(t) for _, t in touched],
        )
    except Invalid as e:
        raise renumbered(e, {len(untouched) + n: i for n, (i, _) in enumerate(touched)}) from None
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
    return catalog.get_product(tenant_id, product_id)


def _checked_entry(v: VariantRecord, *, compare: bool = True) -> dict:
    """A variant as _check_variants reads it. Its compare-at price is checked only when the patch touches the
    variant: one a bulk price change left at or below its price does not block an edit of another."""
    return {
        "sku": v.sku,
        "options": catalog.plain(v.options),
        "currency": v.currency,
        "price": int(v.price),
        "compare_at_price": int(v.compare_at_price) if compare and v.compare_at_price is not None else None,
    }


def renumbered(err: DomainError, indexes: dict[int, int], name: str = "variants") -> Invalid:
    """The same error with `<name>[k]` renamed `<name>[indexes[k]]` (a form's rows, when it sent only some)."""

    def rename(text: str) -> str:
        return re.sub(rf"{name}\[(\d+)\]", lambda m: f"{name}[{indexes.get(int(m[1]), int(m[1]))}]", text)

    return Invalid(rename(err.message), {rename(k): v for k, v in err.fields.items()})


def delete_product(tenant_id: str, product_id: str) -> None:
    product, variants = catalog.product_records(tenant_id, product_id)
    try:
        with TransactWrite(connection=connection()) as tx:
            tx.delete(product)  # the version condition: an edit in between makes this a 409
            tx.delete(HandleClaim(tenant_id, keys.handle_sk(product.handle)))
            product_translations.release(tx, product)
            for v in variants:
                tx.delete(v)
    except TransactWriteError:
        raise Conflict("The product changed while you deleted it; try again") from None


def delete_variant(tenant_id: str, product_id: str, variant_id: str) -> dict:
    product, variants = catalog.product_records(tenant_id, product_id)
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
    return catalog.get_product(tenant_id, product_id)
