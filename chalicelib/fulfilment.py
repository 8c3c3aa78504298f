"""Fulfilment: the merchant ships an order in parts, or hands it over at a pickup location.

Each part is a fulfilment inside the order item (so the order's derived
`fulfillment_status` and its fulfilments are written together, see
orders.change), and each fulfilment is followed by the workflow in
infra/workflows/fulfilment.asl.json, which emails the shopper at every step
and waits (task tokens) for the next one:

    shipping: pending -> in_transit -> delivered        (merchant API, or the carrier: carrier_webhooks.py)
    pickup:   pending -> ready_for_pickup -> picked_up  (merchant API)
    either:   pending / ready_for_pickup -> cancelled   (never once it left the shop)

A status change is one conditional write here; the waiting workflow step is
then completed with its token. The waiting step itself stores its token and
checks the status in one write too, so whichever of the two comes second
completes the step (the same meeting point as checkout's payment).
"""

from pynamodb.exceptions import DoesNotExist

from . import clock, emails, keys, lifecycle, notifications, orders, tenants, workflows
from .db import OrderRecord, ShopRecord, TrackingClaim
from .errors import Conflict, Invalid, NotFound

WORKFLOW = "fulfilment"

# The lifecycle, one table; a method only uses its own statuses (METHOD_STATUSES). A fulfilment's status
# lives in its order's `fulfilments` and moves with the order (orders.change).
TRANSITIONS = {
    "pending": {"in_transit", "ready_for_pickup", "cancelled"},
    "in_transit": {"delivered"},
    "ready_for_pickup": {"picked_up", "cancelled"},
    "delivered": set(),
    "picked_up": set(),
    "cancelled": set(),
}
METHOD_STATUSES = {
    "shipping": {"pending", "in_transit", "delivered", "cancelled"},
    "pickup": {"pending", "ready_for_pickup", "picked_up", "cancelled"},
}
LIFECYCLES = {  # the table as each method sees it
    method: lifecycle.Lifecycle(
        f"{method} fulfilment", {s: TRANSITIONS[s] & statuses for s in TRANSITIONS if s in statuses}
    )
    for method, statuses in METHOD_STATUSES.items()
}
HANDED_OVER = ("in_transit", "delivered", "picked_up")  # it left the shop: the order can't be cancelled
ARRIVED = ("delivered", "picked_up")  # the return window counts from here when known

TRACKING_URLS = {
    "ups": "https://www.ups.com/track?tracknum={}",
    "usps": "https://tools.usps.com/go/TrackConfirmAction?tLabels={}",
    "fedex": "https://www.fedex.com/fedextrack/?trknbr={}",
    "dhl": "https://www.dhl.com/global-en/home/tracking.html?tracking-id={}",
}


def _find(order: OrderRecord, fulfilment_id: str) -> dict:
    for f in orders.plain(order.fulfilments) or []:
        if f["id"] == fulfilment_id:
            return f
    raise NotFound("No such fulfilment")


def _replace(order: OrderRecord, updated: dict) -> list[dict]:
    return [updated if f["id"] == updated["id"] else f for f in orders.plain(order.fulfilments) or []]


def window_start(f: dict) -> str:
    """When a fulfilment's units start their return window: delivery (or pickup) if known, else creation."""
    return f.get("delivered_at") or f["created_at"]


def _describe(items: list[dict], order: OrderRecord) -> str:
    titles = {
        l["variant_id"]: " - ".join(p for p in (l["title"], l.get("variant_title")) if p)
        for l in orders.plain(order.lines)
    }
    return ", ".join(f"{int(i['quantity'])} x {titles.get(i['variant_id'], i['variant_id'])}" for i in items)


# Pickup locations (the shop's settings) ------------------------------------


def pickup_locations(tenant_id: str) -> dict:
    return {"locations": _locations(tenants.get_shop(tenant_id))}


def _locations(shop: ShopRecord) -> list[dict]:
    stored = orders.plain(shop.settings) or {}
    return [dict(orders.plain(l)) for l in stored.get("pickup_locations") or []]


def replace_pickup_locations(tenant_id: str, data: dict) -> dict:
    """Sets the whole list; an entry with an `id` keeps it, a new one gets one."""
    known = {l["id"] for l in _locations(tenants.get_shop(tenant_id))}
    cleaned, names = [], set()
    for i, location in enumerate(data["locations"]):
        if location.get("id") and location["id"] not in known:
            raise Invalid(f"locations[{i}].id: not a pickup location of this shop", {f"locations[{i}].id": "unknown"})
        name = location["name"].strip()
        if not name or name.lower() in names:
            raise Invalid(f"locations[{i}].name: blank or used twice", {f"locations[{i}].name": "blank or duplicate"})
        names.add(name.lower())
        cleaned.append(
            {
                "id": location.get("id") or keys.new_id(),
                "name": name,
                "address": location["address"],
                "hours": location.get("hours", ""),
            }
        )
    tenants.get_shop(tenant_id).update(actions=[ShopRecord.settings["pickup_locations"].set(cleaned)])
    return pickup_locations(tenant_id)


# Creating a fulfilment (POST /api/admin/orders/{id}/fulfilments) --------------


def _tracking_url(carrier: str | None, number: str | None, given: str | None) -> str | None:
    if given:
        return given
    template = TRACKING_URLS.get((carrier or "").strip().lower())
    return template.format(number) if template and number else None


def _check_tracking_free(tenant_id: str, number: str, fulfilment_id: str) -> None:
    try:
        claim = TrackingClaim.get(tenant_id, keys.tracking_sk(number), consistent_read=True)
    except DoesNotExist:
        return
    if claim.fulfilment_id != fulfilment_id:
        raise Conflict(
            "tracking_number: another fulfilment has this tracking number",
            {"tracking_number": "used by another fulfilment"},
        )


def _claim_tracking(tenant_id: str, order_id: str, fulfilment_id: str, number: str):
    def add(tx):
        tx.save(
            TrackingClaim(tenant_id, keys.tracking_sk(number), order_id=order_id, fulfilment_id=fulfilment_id),
            condition=TrackingClaim.pk.does_not_exist(),
        )

    return add


def _items_to_fulfil(order: OrderRecord, wanted: list[dict] | None) -> list[dict]:
    bought, fulfilled = orders.units_of(order), orders.fulfilled_units(order)
    left = {v: q - fulfilled.get(v, 0) for v, q in bought.items()}
    if not wanted:
        items = [{"variant_id": v, "quantity": n} for v, n in left.items() if n > 0]
        if not items:
            raise Conflict("Everything in this order is fulfilled already", {"items": "nothing left to fulfil"})
        return items
    merged = orders.units_asked(wanted, "items", left, "fulfil")
    return [{"variant_id": v, "quantity": n} for v, n in merged.items()]


def create(tenant_id: str, order_id: str, data: dict) -> dict:
    """A new fulfilment of the given items (none given: everything not fulfilled yet), status pending."""
    shop = tenants.get_shop(tenant_id)
    location = None
    if data.get("pickup_location_id"):
        location = next((l for l in _locations(shop) if l["id"] == data["pickup_location_id"]), None)
        if location is None:
            raise Invalid("pickup_location_id: not a pickup location of this shop", {"pickup_location_id": "unknown"})
        if data.get("tracking_number") or data.get("carrier"):
            raise Invalid(
                "tracking_number: a pickup has no carrier or tracking", {"tracking_number": "not for a pickup"}
            )
    number = (data.get("tracking_number") or "").strip() or None
    carrier = (data.get("carrier") or "").strip() or None
    fulfilment_id, now = keys.new_id(), clock.now_iso()

    def decide(order: OrderRecord) -> orders.Change:
        if order.cancelled_at:
            raise Conflict("This order is cancelled", {"order": "cancelled"})
        items = _items_to_fulfil(order, data.get("items"))
        if number:
            _check_tracking_free(tenant_id, number, fulfilment_id)
        entry = {
            "id": fulfilment_id,
            "status": "pending",
            "method": "pickup" if location else "shipping",
            "items": items,
            "carrier": carrier,
            "tracking_number": number,
            "tracking_url": _tracking_url(carrier, number, data.get("tracking_url")),
            "pickup_location": location,
            "created_at": now,
            "updated_at": now,
            "notified": {},
        }
        how = (
            f" for pickup at {location['name']}"
            if location
            else (f" ({' '.join(p for p in (carrier, number) if p)})" if carrier or number else "")
        )
        return orders.Change(
            values={"fulfilments": (orders.plain(order.fulfilments) or []) + [entry]},
            timeline=[
                orders.entry(
                    "fulfilment_created", f"Fulfilment {fulfilment_id} created{how}: {_describe(items, order)}"
                )
            ],
            also=_claim_tracking(tenant_id, order_id, fulfilment_id, number) if number else None,
            result=entry,
        )

    _, change = orders.change(tenant_id, order_id, decide)
    workflows.start(
        WORKFLOW,
        name=f"fulfilment-{fulfilment_id}",
        payload={
            "tenant_id": tenant_id,
            "order_id": order_id,
            "fulfilment_id": fulfilment_id,
            "method": change.result["method"],
        },
    )
    return orders.fulfilment_view(change.result)


# Moving a fulfilment on ----------------------------------------------------


def set_status(tenant_id: str, order_id: str, fulfilment_id: str, data: dict) -> dict:
    """Moves a fulfilment to `data["status"]` (with tracking details when it ships); repeating the status it
    has changes nothing; a move the table does not allow is a 409."""
    new = data["status"]
    number = (data.get("tracking_number") or "").strip() or None

    def decide(order: OrderRecord) -> orders.Change | None:
        f = _find(order, fulfilment_id)
        if f["status"] == new:
            return None
        LIFECYCLES[f["method"]].require(f["status"], new)
        now = clock.now_iso()
        updated = {**f, "status": new, "updated_at": now}
        also = None
        if new == "in_transit":
            updated["shipped_at"] = now
            if data.get("carrier"):
                updated["carrier"] = data["carrier"].strip()
            if number and number != f.get("tracking_number"):
                _check_tracking_free(tenant_id, number, fulfilment_id)
                updated["tracking_number"] = number
                also = _claim_tracking(tenant_id, order_id, fulfilment_id, number)
            updated["tracking_url"] = _tracking_url(
                updated.get("carrier"),
                updated.get("tracking_number"),
                data.get("tracking_url") or f.get("tracking_url"),
            )
        if new in ARRIVED:
            updated["delivered_at"] = now
        if new == "cancelled":
            updated["cancelled_at"] = now
        words = {
            "in_transit": "shipped",
            "delivered": "delivered",
            "ready_for_pickup": "ready for pickup",
            "picked_up": "picked up",
            "cancelled": "cancelled",
        }[new]
        return orders.Change(
            values={"fulfilments": _replace(order, updated)},
            also=also,
            result=updated,
            timeline=[
                orders.entry(
                    f"fulfilment_{new}",
                    f"Fulfilment {fulfilment_id} {words}{' by ' + data['source'] if data.get('source') else ''}",
                )
            ],
        )

    order, _ = orders.change(tenant_id, order_id, decide)
    f = _find(order, fulfilment_id)
    _deliver(f)
    return orders.fulfilment_view(f)


def cancel_open(order: OrderRecord, now: str) -> list[dict]:
    """The order's fulfilments with every one still in the shop cancelled (for cancelling the order)."""
    return [
        {**f, "status": "cancelled", "updated_at": now, "cancelled_at": now}
        if LIFECYCLES[f["method"]].allows(f["status"], "cancelled")
        else f
        for f in orders.plain(order.fulfilments) or []
    ]


def resume_waiting(order: OrderRecord) -> None:
    """Completes the waiting workflow step of each fulfilment that moved on (after another module moved it)."""
    for f in orders.plain(order.fulfilments) or []:
        _deliver(f)


def _deliver(f: dict) -> None:
    if not f.get("task_token") or f["status"] == f.get("waiting_in"):
        return
    if f["status"] == "cancelled":
        workflows.fail_task(f["task_token"], "FulfilmentCancelled", "The fulfilment was cancelled")
    else:
        workflows.succeed_task(f["task_token"], {"status": f["status"]})


# Workflow tasks -------------------------------------------------------------


@workflows.task("fulfilment.await")
def await_change(payload: dict) -> dict:
    """A `.waitForTaskToken` step: keeps its token on the fulfilment; completed once the fulfilment leaves
    `payload["leaves"]` (at once if it already has)."""
    tenant_id, order_id, fulfilment_id = payload["tenant_id"], payload["order_id"], payload["fulfilment_id"]
    token = payload["task_token"]

    def decide(order: OrderRecord) -> orders.Change | None:
        f = _find(order, fulfilment_id)
        if f.get("task_token") == token:
            return None
        return orders.Change(
            values={"fulfilments": _replace(order, {**f, "task_token": token, "waiting_in": payload["leaves"]})}
        )

    order, _ = orders.change(tenant_id, order_id, decide)
    _deliver(_find(order, fulfilment_id))
    return {}


def _email(order: OrderRecord, f: dict, event: str) -> emails.Email:
    """The shopper's email about `event` (templates/emails/fulfilment_<event>)."""
    location = f.get("pickup_location")
    pickup = None
    if location:
        address = location.get("address") or {}
        pickup = {
            "name": location["name"],
            "address": ", ".join(str(address[k]) for k in ("line1", "city", "postal_code") if address.get(k)),
            "hours": location.get("hours"),
        }
    shop = tenants.get_shop(order.pk)
    return emails.render(
        f"fulfilment_{event}",
        shop,
        order.language,
        order={"number": int(order.number)},
        items=emails.items(order, {i["variant_id"]: int(i["quantity"]) for i in f["items"]}),
        order_url=emails.order_page(shop, order, f"/orders/{order.order_id}"),
        carrier=f.get("carrier"),
        tracking_number=f.get("tracking_number"),
        tracking_url=f.get("tracking_url"),
        pickup=pickup,
    )


@workflows.task("fulfilment.notify")
def notify(payload: dict) -> dict:
    """Emails the shopper about `payload["event"]` once (claimed on the fulfilment before sending)."""
    tenant_id, order_id, fulfilment_id, event = (
        payload["tenant_id"],
        payload["order_id"],
        payload["fulfilment_id"],
        payload["event"],
    )

    def claim(order: OrderRecord) -> orders.Change | None:
        f = _find(order, fulfilment_id)
        if event in (f.get("notified") or {}):
            return None
        return orders.Change(
            values={
                "fulfilments": _replace(order, {**f, "notified": {**(f.get("notified") or {}), event: clock.now_iso()}})
            },
            result=f,
        )

    def unclaim(o: OrderRecord) -> orders.Change:
        f = _find(o, fulfilment_id)
        notified = {k: v for k, v in (f.get("notified") or {}).items() if k != event}
        return orders.Change(values={"fulfilments": _replace(o, {**f, "notified": notified})})

    order = orders.load(tenant_id, order_id)
    email = _email(order, _find(order, fulfilment_id), event)
    if not lifecycle.once(
        lambda: notifications.send_email(to=order.email, email=email),
        claim=lambda: orders.change(tenant_id, order_id, claim)[1] is not None,
        release=lambda: orders.change(tenant_id, order_id, unclaim),
    ):
        return payload
    orders.change(
        tenant_id,
        order_id,
        lambda o: orders.Change(timeline=[orders.entry("email_sent", f"Emailed {o.email}: {email.subject}")]),
    )
    return payload
