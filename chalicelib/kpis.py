"""The merchant's home page: how the shop sells today and this week, what waits for the merchant (orders to
fulfil, returns to handle, low stock), and the steps a new shop still has to take.

Every figure is read without reading orders (a shop with a million orders opens its home as fast as a new
one): a day's sales are one item (`SalesDay`), counted in the order's creation transaction and by the write
that records a refund's success, so each is counted once whatever retries; orders to fulfil are a count on
the shop's order counter, moved by the same writes that change an order (orders.change); returns to handle
are a sparse index partition their lifecycle keeps (returns.py); low stock is a range of gsi3, whose sort key
is each variant's stock. The home page is then about eight small reads.

Days are UTC days (a shop has no time zone of its own yet), weeks start on Monday; amounts are in the
shop's currency (fixed at signup), in its minor unit. An exchange's replacement order is no new sale: the
units were sold once already.
"""

import re
from datetime import date, timedelta

from pynamodb.attributes import NumberAttribute
from pynamodb.exceptions import DoesNotExist
from pynamodb.expressions.update import Action
from pynamodb.transactions import TransactWrite

from . import clock, keys, payment_accounts, shipping, tenants
from .db import OrderCounter, OrderRecord, ProductRecord, ReturnRecord, ShopRecord, TenantItem, VariantRecord, plain
from .errors import Invalid

LOW_STOCK_THRESHOLD = 5  # at or below this many units a variant is low on stock, unless the merchant says
MAX_LOW_STOCK_THRESHOLD = 1_000_000
LOW_STOCK_SHOWN = 10  # the lowest ones listed by name; the count covers them all
_DIGITS = re.compile(r"[0-9]{1,7}")


class SalesDay(TenantItem, discriminator="sales_day"):
    """One day's sales (UTC), in the shop's currency: orders placed, what they came to, what was refunded
    that day (of any day's orders). Added to by the order's creation transaction and each refund's."""

    orders = NumberAttribute(default=0)
    gross = NumberAttribute(default=0)
    refunds = NumberAttribute(default=0)


def low_stock_threshold(value: str | None) -> int:
    """The threshold a merchant asked for (`?low_stock_threshold=`), LOW_STOCK_THRESHOLD when none."""
    if value in (None, ""):
        return LOW_STOCK_THRESHOLD
    n = int(value) if _DIGITS.fullmatch(value) else -1  # ASCII digits only: int() also takes " 5", "٣", "1_0"
    if not 0 <= n <= MAX_LOW_STOCK_THRESHOLD:
        message = f"a whole number from 0 to {MAX_LOW_STOCK_THRESHOLD}"
        raise Invalid(f"low_stock_threshold: {message}", {"low_stock_threshold": message})
    return n


def counts_as_sale(order: OrderRecord) -> bool:
    """An order a shopper bought (not an exchange's replacement)."""
    return (plain(order.payment) or {}).get("provider") != "exchange"


def _day_sk(tenant_id: str, day: date) -> tuple[str, str]:
    return tenant_id, keys.sales_day_sk(day.isoformat())


def _add_to_day(tx: TransactWrite, tenant_id: str, day: date, **figures: int) -> None:
    """Adds `figures` (orders, gross, refunds) to the day's item, made by its first update."""
    added: list[Action] = [getattr(SalesDay, name).add(n) for name, n in figures.items()]
    tx.update(SalesDay(*_day_sk(tenant_id, day)), actions=[SalesDay.kind.set(SalesDay), *added])


def count_sale_in(tx: TransactWrite, order: OrderRecord) -> None:
    """Adds to the new order's transaction: one order and its total on the day it was placed."""
    if counts_as_sale(order):
        day = clock.parse_iso(order.created_at).date()
        _add_to_day(tx, order.pk, day, orders=1, gross=int(order.total))


def count_refund(tenant_id: str, amount: int):
    """For the transaction that records a refund's success (orders.Change.also): refunded today."""
    return lambda tx: _add_to_day(tx, tenant_id, clock.now().date(), refunds=amount)


def _sales(days: list[date], found: dict[str, SalesDay]) -> dict:
    totals = {"orders": 0, "gross": 0, "refunds": 0}
    for day in days:
        record = found.get(keys.sales_day_sk(day.isoformat()))
        for name in totals:
            totals[name] += int(getattr(record, name) or 0) if record else 0
    return {
        "from": days[0].isoformat(),
        "to": days[-1].isoformat(),
        **totals,
        "net": totals["gross"] - totals["refunds"],
    }


def sales(tenant_id: str, today: date) -> dict:
    """Today's and this week's (Monday to today) orders, gross, refunds and net: one BatchGet of up to 7 days."""
    week = [today - timedelta(days=n) for n in range(today.weekday(), -1, -1)]
    found = {r.sk: r for r in SalesDay.batch_get([_day_sk(tenant_id, d) for d in week])}
    return {"today": _sales([today], found), "week": _sales(week, found)}


def orders_to_fulfil(tenant_id: str) -> int:
    try:
        return int(OrderCounter.get(tenant_id, keys.ORDER_COUNTER_SK).to_fulfil or 0)
    except DoesNotExist:
        return 0  # no order yet


def returns_to_handle(tenant_id: str) -> int:
    return ReturnRecord.to_handle.count(keys.returns_to_handle_gsi(tenant_id))


def low_stock(tenant_id: str, threshold: int) -> dict:
    """Variants with at most `threshold` units available: how many, and the lowest by name."""
    partition, at_most = keys.stock_levels_gsi(tenant_id), VariantRecord.inventory_quantity <= threshold
    lowest = list(VariantRecord.stock_levels.query(partition, at_most, limit=LOW_STOCK_SHOWN))
    count = len(lowest)
    if count == LOW_STOCK_SHOWN:
        count = VariantRecord.stock_levels.count(partition, at_most)
    products = sorted({(tenant_id, keys.product_sk(v.product_id)) for v in lowest})
    titles = {p.product_id: p.title for p in ProductRecord.batch_get(products)} if products else {}
    items = [
        {
            "product_id": v.product_id,
            "variant_id": v.variant_id,
            "title": titles.get(v.product_id, ""),
            "variant_title": v.title,
            "sku": v.sku,
            "inventory_quantity": int(v.inventory_quantity),
        }
        for v in lowest
    ]
    return {"threshold": threshold, "count": count, "items": items}


def checklist(shop: ShopRecord) -> list[dict]:
    """A new shop's first steps, each done or not, with where in the admin it is done."""
    tenant_id = shop.tenant_id
    has_product = any(True for _ in ProductRecord.all_products.query(keys.products_gsi(tenant_id), limit=1))
    return [
        {"step": "add_product", "title": "Add a product", "done": has_product, "url": "/admin/products/new"},
        {
            "step": "connect_payments",
            "title": "Connect payments",
            "done": payment_accounts.ready(tenant_id) is not None,
            "url": "/admin/settings/payments",
        },
        {
            "step": "set_shipping",
            "title": "Set shipping rates",
            "done": bool(shipping.rates(shop)),
            "url": "/admin/settings/shipping",
        },
    ]


def home(tenant_id: str, *, low_stock_threshold: int = LOW_STOCK_THRESHOLD) -> dict:
    """Everything the home page shows (`GET /api/admin/home`)."""
    shop = tenants.get_shop(tenant_id)
    return {
        "currency": shop.currency,
        "timezone": "UTC",
        "sales": sales(tenant_id, clock.now().date()),
        "orders_to_fulfil": orders_to_fulfil(tenant_id),
        "returns_to_handle": returns_to_handle(tenant_id),
        "low_stock": low_stock(tenant_id, low_stock_threshold),
        "checklist": checklist(shop),
    }
