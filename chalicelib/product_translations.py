"""A product's title, description and handle in the shop's other languages, and the product as a page in one of
them shows it.

The product's own words are in the shop's primary language; a translation stands in for them on the pages of
another language, field by field where given. A translated handle is the product's address in that language,
claimed once per language (keys.translated_handle_sk), so `/zh-cn/products/<its handle>` finds it.
"""

from pynamodb.exceptions import DoesNotExist, TransactWriteError
from pynamodb.transactions import TransactWrite

from . import catalog, clock, keys, languages
from .db import HandleClaim, ProductRecord, connection, failed_conditions, plain
from .errors import Conflict, Invalid, NotFound


def _other_language(shop, language: str) -> None:
    if language not in languages.of_shop(shop)[1:]:
        raise Invalid(
            "language: not one of the shop's other languages (its primary speaks in the product's own words)",
            {"language": "not one of the shop's other languages"},
        )


def translate(shop, product_id: str, language: str, data: dict) -> dict:
    """Sets the product's words in `language` (PRODUCT_TRANSLATION); 409 when another product has the handle in
    that language."""
    _other_language(shop, language)
    entry = {"title": data["title"].strip(), "description": data.get("description", ""), "handle": data.get("handle")}
    if not entry["title"]:
        raise Invalid("title: must not be blank", {"title": "must not be blank"})
    return _write(shop.tenant_id, product_id, language, entry)


def untranslate(shop, product_id: str, language: str) -> dict:
    """Drops the product's words in `language`: its pages there show its own words again."""
    return _write(shop.tenant_id, product_id, language, None)


def _write(tenant_id: str, product_id: str, language: str, entry: dict | None) -> dict:
    product, _ = catalog.product_records(tenant_id, product_id)
    translations = plain(product.translations)
    old_handle = (translations.get(language) or {}).get("handle")
    new_handle = (entry or {}).get("handle")
    if entry is None:
        translations.pop(language, None)
    else:
        translations[language] = entry
    product.translations = translations
    product.updated_at = clock.now_iso()
    claim = keys.translated_handle_sk(language, new_handle) if new_handle else None
    try:
        with TransactWrite(connection=connection()) as tx:
            if new_handle != old_handle:
                if claim:
                    tx.save(
                        HandleClaim(tenant_id, claim, product_id=product_id), condition=HandleClaim.pk.does_not_exist()
                    )
                if old_handle:
                    tx.delete(HandleClaim(tenant_id, keys.translated_handle_sk(language, old_handle)))
            tx.save(product)  # the version attribute: an edit in between makes this a 409
    except TransactWriteError as e:
        if claim and (tenant_id, claim) in failed_conditions(tx, e):
            raise Conflict("handle: another product has it in that language", {"handle": "taken"}) from None
        raise Conflict("The product changed while you edited it; try again") from None
    return catalog.get_product(tenant_id, product_id)


def release(tx: TransactWrite, product: ProductRecord) -> None:
    """In the transaction deleting `product`: its translated handles are free again."""
    for language, entry in plain(product.translations).items():
        if entry.get("handle"):
            tx.delete(HandleClaim(product.pk, keys.translated_handle_sk(language, entry["handle"])))


def product_id_by_handle(tenant_id: str, language: str, handle: str) -> str | None:
    """The product whose handle in `language` is `handle`, if one has it."""
    try:
        return HandleClaim.get(tenant_id, keys.translated_handle_sk(language, handle)).product_id
    except DoesNotExist:
        return None


def in_language(shop, language: str, handle: str) -> dict:
    """The active product a page in `language` names by `handle`: its translated handle there, else its own."""
    product_id = product_id_by_handle(shop.tenant_id, language, handle) if language != languages.primary(shop) else None
    if product_id is None:
        return catalog.product_by_handle(shop.tenant_id, handle)
    product = catalog.get_product(shop.tenant_id, product_id)
    if product["status"] != "active":
        raise NotFound("No such product")
    return product


def localized(product: dict, shop, language: str) -> dict:
    """`product` (an answer or a card of catalog) as a page in `language` shows it: its translated title,
    description and handle where the merchant gave them."""
    if language == languages.primary(shop):
        return product
    entry = (product.get("translations") or {}).get(language)
    if not entry:
        return product
    return {
        **product,
        "title": entry["title"],
        "description": entry.get("description") or product["description"],
        "handle": entry.get("handle") or product["handle"],
    }


def cart_lines(shop, language: str, lines: list[dict]) -> list[dict]:
    """A cart's lines (carts.to_dict) as a page in `language` shows them: each product's title and handle there."""
    if language == languages.primary(shop) or not lines:
        return lines
    wanted = {(shop.tenant_id, keys.product_sk(line["product_id"])) for line in lines}
    words = {p.product_id: plain(p.translations).get(language) or {} for p in ProductRecord.batch_get(list(wanted))}
    return [
        {
            **line,
            "title": words.get(line["product_id"], {}).get("title") or line["title"],
            "product_handle": words.get(line["product_id"], {}).get("handle") or line["product_handle"],
        }
        for line in lines
    ]


def handles(product: dict, shop) -> dict[str, str]:
    """The product's handle in each of the shop's languages (hreflang, the language switcher)."""
    return {language: localized(product, shop, language)["handle"] for language in languages.of_shop(shop)}
