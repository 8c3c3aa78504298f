"""What each shop used this month, for the operator's list of tenants: orders and what they were worth
(GMV, in the shop's currency), products in the catalogue, and requests that reached the app.

Read when the operator asks, never counted on the buying path: per shop one count of its catalogue and
one query of this month's orders (order ids are time-ordered, so the month is a key range), and the
request counts of the whole page in one BatchGet of the SLA figures.
"""

from . import clock, keys, sla
from .db import OrderRecord, ProductRecord, ShopRecord


def of_shops(shops: list[ShopRecord]) -> dict[str, dict]:
    requests = sla.requests_this_month([s.tenant_id for s in shops])
    month_start = clock.now().replace(day=1, hour=0, minute=0, second=0, microsecond=0)
    since = keys.first_id_at(month_start)
    usage = {}
    for shop in shops:
        orders = list(OrderRecord.all_orders.query(keys.orders_gsi(shop.tenant_id), OrderRecord.gsi1sk >= since))
        usage[shop.tenant_id] = {
            "orders": len(orders),
            "gmv": sum(int(o.total) for o in orders),
            "currency": shop.currency,
            "products": ProductRecord.all_products.count(keys.products_gsi(shop.tenant_id)),
            "requests": requests.get(shop.tenant_id, 0),
        }
    return usage
