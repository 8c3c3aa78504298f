"""What a bulk edit does to one product: the decision (pure, the same for a dry run and the real run), and its
write, which holds only if every field still has the value the decision read.

A decision is a list of changes and a list of skips, each a row the merchant reads:
- change: `{product_id, variant_id, title, field, before, after}` (`variant_id` None for the product's status);
- skip: `{product_id, variant_id, title, field, reason}`: what the action leaves alone, and why.

Actions (`params` as validated by schemas.BULK_EDIT_CREATE):
- `publish`, `unpublish`: the product's status becomes `active` / `draft`;
- `set_price {price}`, `adjust_price {percent}` or `{amount}`: every variant's price, in the shop's minor unit;
  a percentage change is rounded half up (money.percent_of), a price never goes below zero;
- `set_stock {quantity}`, `adjust_stock {delta}`: every variant's available units, never below zero.
An undo is `revert`: each recorded change goes back to its `before` where the field still holds its `after`;
one that moved since is skipped and reported.
"""

import functools
from collections.abc import Callable

from pynamodb.exceptions import TransactWriteError
from pynamodb.expressions.update import Action
from pynamodb.transactions import TransactWrite

from . import catalog, clock, keys, money, schemas, stock
from .db import ProductRecord, VariantRecord, condition_failed, connection, failed_conditions
from .errors import NotFound

ACTIONS = ("publish", "unpublish", "set_price", "adjust_price", "set_stock", "adjust_stock")
STATUS_OF = {"publish": "active", "unpublish": "draft"}
ATTEMPTS = 5  # a product edited this often while we write it is reported as failed, not fought over

Decision = tuple[list[dict], list[dict]]
# Adds a product's result to a transaction, conditional on it not being recorded yet; returns that item's key.
Recorder = Callable[[TransactWrite, dict], tuple[str, str]]


def _row(product: dict, variant: dict | None, field: str) -> dict:
    title = product["title"] if variant is None else f"{product['title']} / {variant['title']}"
    return {
        "product_id": product["id"],
        "variant_id": variant["id"] if variant else None,
        "title": title,
        "field": field,
    }


def _new_price(action: str, params: dict, price: int) -> int:
    if action == "set_price":
        return params["price"]
    if "percent" in params:
        return price + money.percent_of(price, params["percent"])
    return price + params["amount"]


def _new_quantity(action: str, params: dict, quantity: int) -> int:
    return params["quantity"] if action == "set_stock" else quantity + params["delta"]


def decide(action: str, params: dict, product: dict) -> Decision:
    """What `action` would change on `product` (as catalog.to_dict shows it), and what it leaves alone."""
    changes, skipped = [], []
    if action in STATUS_OF:
        wanted = STATUS_OF[action]
        row = _row(product, None, "status")
        if product["status"] == wanted:
            skipped.append({**row, "reason": f"already {'active' if wanted == 'active' else 'a draft'}"})
        else:
            changes.append({**row, "before": product["status"], "after": wanted})
        return changes, skipped
    field = "price" if action in ("set_price", "adjust_price") else "inventory_quantity"
    new_value = _new_price if field == "price" else _new_quantity
    for variant in product["variants"]:
        row, before = _row(product, variant, field), variant[field]
        after = new_value(action, params, before)
        if after < 0:
            skipped.append({**row, "reason": f"would go below zero ({after})"})
        elif after > _ceiling(field):
            skipped.append({**row, "reason": f"would be over {_ceiling(field)}"})
        elif after == before:
            skipped.append({**row, "reason": "no change"})
        else:
            changes.append({**row, "before": before, "after": after})
    return changes, skipped


def _ceiling(field: str) -> int:
    """The largest value a field may take (the product schemas' limits)."""
    return schemas.MOST_MONEY if field == "price" else schemas.MOST_UNITS


def revert(recorded: list[dict], product: dict) -> Decision:
    """Undo of `recorded` (changes a bulk edit made to this product): each field back to its `before`, unless it
    moved since."""
    variants = {v["id"]: v for v in product["variants"]}
    changes, skipped = [], []
    for done in recorded:
        variant = variants.get(done["variant_id"]) if done["variant_id"] else None
        if done["variant_id"] and variant is None:
            skipped.append({**done_row(done), "reason": "the variant was deleted since"})
            continue
        row = _row(product, variant, done["field"])
        now = (variant or product)[done["field"]]
        if now != done["after"]:
            skipped.append({**row, "reason": f"changed since (now {now}, the edit set {done['after']})"})
        else:
            changes.append({**row, "before": now, "after": done["before"]})
    return changes, skipped


def done_row(change: dict) -> dict:
    """A recorded change as the row of a skip about it."""
    return {k: change[k] for k in ("product_id", "variant_id", "title", "field")}


def gone(product_id: str, title: str = "") -> dict:
    """The skip of a product deleted before the edit reached it."""
    return {"product_id": product_id, "variant_id": None, "title": title, "field": None, "reason": "deleted since"}


def _write(tx: TransactWrite, tenant_id: str, product: ProductRecord, variants: list, changes: list[dict]) -> None:
    """Adds `changes` to `tx`, each conditional on its field still holding `before`; the product item (its status,
    its price range) on its version."""
    by_id = {v.variant_id: v for v in variants}
    product_actions: list[Action] = []
    product_condition = None
    prices = {v.variant_id: int(v.price) for v in variants}
    for change in changes:
        if change["field"] == "status":
            active = change["after"] == "active"
            product_actions += [
                ProductRecord.status.set(change["after"]),
                ProductRecord.gsi2pk.set(keys.active_products_gsi(tenant_id))
                if active
                else ProductRecord.gsi2pk.remove(),
                ProductRecord.gsi2sk.set(product.product_id) if active else ProductRecord.gsi2sk.remove(),
            ]
            product_condition = ProductRecord.status == change["before"]
        elif change["field"] == "price":
            prices[change["variant_id"]] = change["after"]
            tx.update(
                by_id[change["variant_id"]],
                actions=[VariantRecord.price.set(change["after"])],
                condition=VariantRecord.price == change["before"],
            )
        else:
            stock.count_in(tx, by_id[change["variant_id"]], change["before"], change["after"])
    if any(c["field"] == "price" for c in changes):
        product_actions += [
            ProductRecord.price_min.set(min(prices.values())),
            ProductRecord.price_max.set(max(prices.values())),
        ]
    if product_actions:
        product_actions.append(ProductRecord.updated_at.set(clock.now_iso()))
        tx.update(product, actions=product_actions, condition=product_condition)


def _commit(record: Recorder, result: dict, write: Callable[[TransactWrite], None]) -> bool | None:
    """`write` and the result's record in one transaction: True; None when the result was recorded already (a
    retried step); False when another condition failed (the product moved since it was read)."""
    recorded_at = None
    try:
        with TransactWrite(connection=connection()) as tx:
            recorded_at = record(tx, result)
            write(tx)
    except TransactWriteError as e:
        if recorded_at in failed_conditions(tx, e):
            return None
        if condition_failed(e):
            return False
        raise
    return True


def apply(tenant_id: str, product_id: str, decision: Callable[[dict], Decision], record: Recorder) -> dict | None:
    """Decides on the product as it is now and writes the changes with its result, in one transaction (`record`
    adds the result's write, conditional on it not being recorded yet, and returns that item's key). When the
    product moved in between, reads and decides again. Returns the result, or None when it had been recorded
    already."""
    title = ""
    for _ in range(ATTEMPTS):
        try:
            product, variants = catalog.product_records(tenant_id, product_id)
        except NotFound:
            result = {"changes": [], "skipped": [gone(product_id, title)], "failures": []}
            written = _commit(record, result, lambda tx: None)
        else:
            snapshot = catalog.to_dict(product, variants)
            title = snapshot["title"]
            changes, skipped = decision(snapshot)
            result = {"changes": changes, "skipped": skipped, "failures": []}
            write = functools.partial(_write, tenant_id=tenant_id, product=product, variants=variants, changes=changes)
            written = _commit(record, result, write)
        if written is not False:
            return result if written else None
    failure = {"product_id": product_id, "variant_id": None, "title": title, "field": None}
    result = {"changes": [], "skipped": [], "failures": [{**failure, "reason": "kept changing while edited"}]}
    return result if _commit(record, result, lambda tx: None) else None
