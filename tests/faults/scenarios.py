"""What a case drives through the platform while a fault is armed, and what it finds afterwards.

Each scenario runs one path of a workflow on the module's shared shop with products, orders and email
addresses of its own, lets the sweeper do what its schedule would, and returns what it observed: the
record's final state, orders, stock, refunds at Stripe against our records, the emails sent. The checks
that hold whatever the fault (`Seen.check`) and the one-line outcome the README's table shows
(`Seen.outcome`) read the same observation.
"""

from collections import Counter
from dataclasses import dataclass, field

from chalicelib import checkout, keys, stock, workflows
from chalicelib.db import OrderRecord, TenantItem, plain
from tests.support.after_sale import AfterSale, emails_to
from tests.support.api import unique
from tests.support.clock import later
from tests.support.shopping import session_of
from tests.support.wait import wait_for

ENDED = ("paid", "failed", "expired")


@dataclass
class Seen:
    """What a scenario found once everything settled."""

    record: str  # checkout | return | fulfilment | shop
    status: str  # the record's final status
    execution: str  # the workflow's final status
    orders: int = 0  # orders made (never more than one per checkout)
    stock_exact: bool = True
    taken: int = 0  # money Stripe took from the shopper for this case
    refunded_at_stripe: list[int] = field(default_factory=list)
    refunded_by_us: list[int] = field(default_factory=list)  # what our records say was refunded
    emails: Counter = field(default_factory=Counter)  # subject -> times sent
    needs_attention: bool = False
    swept: bool = False  # the sweeper had to finish it
    order_id: str | None = None
    notes: list[str] = field(default_factory=list)

    def check(self) -> None:
        """Nothing lost, nothing doubled, nothing stuck, whatever the fault."""
        assert self.execution != "RUNNING", "the workflow is stuck"
        assert self.orders <= 1, f"{self.orders} orders for one checkout"
        assert self.stock_exact, "stock count is off"
        assert sorted(self.refunded_at_stripe) == sorted(self.refunded_by_us), (
            f"Stripe refunded {self.refunded_at_stripe}, our records say {self.refunded_by_us}"
        )
        doubled = {s: n for s, n in self.emails.items() if n > 1}
        assert not doubled, f"emails sent twice: {doubled}"
        if self.record == "bulk edit":
            assert self.status in ("succeeded", "failed"), f"bulk edit left {self.status}"
        if self.record == "checkout":
            assert self.status in ENDED or self.needs_attention, f"checkout left {self.status}"
            kept = self.taken - sum(self.refunded_at_stripe)
            assert kept == 0 or self.orders == 1 or self.needs_attention, f"{kept} taken without an order"

    def outcome(self) -> str:
        """One line for the README's table: where the record ended and what came of it."""
        words = [self.status]
        if self.orders:
            words.append("order made")
        if self.refunded_at_stripe:
            words.append("refunded " + " + ".join(str(a) for a in sorted(self.refunded_at_stripe)))
        if self.record != "checkout":
            words.append(f"{sum(self.emails.values())} emails")
        words += self.notes
        if self.execution == "FAILED" and self.record != "checkout":
            words.append("workflow failed")
        if self.swept:
            words.append("stock back by the sweeper")
        if self.needs_attention:
            words.append("needs_attention")
        return ", ".join(words)


def _orders_of(tenant_id: str, checkout_id: str) -> list[OrderRecord]:
    items = TenantItem.query(tenant_id, TenantItem.sk.startswith("ORDER#"), consistent_read=True)
    return [o for o in items if isinstance(o, OrderRecord) and o.checkout_id == checkout_id]


def _stripe_refunds(stripe, payment_intent: str | None) -> list[int]:
    if not payment_intent:
        return []
    with stripe._lock:
        return [
            r.obj["amount"]
            for r in stripe._objects.values()
            if r.obj.get("object") == "refund" and r.obj.get("payment_intent") == payment_intent
        ]


def _taken(stripe, session_id: str | None) -> tuple[str | None, int]:
    session = stripe.get_object(session_id) if session_id else None
    intent = stripe.get_object(session["payment_intent"]) if session and session.get("payment_intent") else None
    if not intent or intent["status"] != "succeeded":
        return None, 0
    return intent["id"], intent["amount_received"]


def _finished(arn: str) -> str:
    return wait_for(lambda: (lambda s: s if s not in (None, "RUNNING") else None)(workflows.status(arn)))


def sweep(monkeypatch) -> list[str]:
    """The sweeper's next run, once the reservation's time has passed (its schedule, without the wait)."""
    from chalicelib import settings

    later(monkeypatch, settings.reservation_seconds() + 60)
    return checkout.sweep()["released"]


# Checkout ---------------------------------------------------------------------------------------

QUANTITY, IN_STOCK, PRICE = 2, 5, 1500


def buy(shop: AfterSale, stripe, monkeypatch, path: str = "paid") -> Seen:
    """A checkout of 2 of a product with 5 in stock; `path` is what the shopper (or time) does:
    `paid` pays, `expired` lets the reservation run out, `swept` pays after the sweeper took the stock
    back (the order cannot be made), `late` pays after the checkout expired and Stripe could not stop
    the session."""
    variant = shop.product(qty=IN_STOCK, price=PRICE)
    email = f"{unique('shopper')}@{shop.subdomain}.example"
    started = shop.checkout(shop.cart((variant, QUANTITY)), email=email)
    assert started.status_code == 202, started.body
    checkout_id = started.json["checkout_id"]
    arn = checkout.execution_arn(checkout_id)
    waiting = wait_for(
        lambda: (lambda s: s if s["status"] != "processing" or workflows.status(arn) != "RUNNING" else None)(
            shop.status(checkout_id)
        )
    )
    if waiting["status"] == "awaiting_payment":
        session = session_of(waiting)
        if path == "paid":
            stripe.pay(session)
        elif path == "swept":
            stock.release(shop.tenant_id, checkout_id)
            stripe.pay(session)
        else:
            if path == "late":
                stripe.inject_error(500, count=10_000, method="POST", path_prefix=f"/v1/checkout/sessions/{session}")
            shop.run_out(checkout_id)
            if path == "late":
                wait_for(lambda: shop.status(checkout_id)["status"] in ENDED or workflows.status(arn) != "RUNNING")
                with stripe._lock:
                    stripe._faults.clear()
                stripe.pay(session)
    execution = _finished(arn)
    # A payment the checkout could not keep is refunded by the late_payment workflow: it ends too (the shopper
    # may pay after the checkout ended, so on the `late` path it may start only now).
    late = workflows.execution_arn("late_payment", f"late-{checkout_id}")
    if path == "late":
        wait_for(lambda: workflows.status(late) not in (None, "RUNNING"), timeout=30)
    elif workflows.status(late) is not None:
        _finished(late)
    swept = checkout_id in sweep(monkeypatch)
    record = checkout.load(shop.tenant_id, checkout_id)
    orders = _orders_of(shop.tenant_id, checkout_id)
    intent, taken = _taken(stripe, (plain(record.payment_session) or {}).get("id"))
    ours = [int(r["amount"]) for order in orders for r in plain(order.refunds) or [] if r.get("stripe_refund_id")]
    for given_back in (plain(record.refund) or {}, plain(record.late_payment) or {}):
        if given_back.get("refund_id"):
            ours.append(int(given_back["amount"]))
    bought = QUANTITY if orders else 0
    seen = Seen(
        "checkout",
        record.status,
        execution,
        orders=len(orders),
        stock_exact=shop.stock(variant) == IN_STOCK - bought
        and (stock.get(shop.tenant_id, checkout_id) is None or stock.get(shop.tenant_id, checkout_id).status != "held"),
        taken=taken,
        refunded_at_stripe=_stripe_refunds(stripe, intent),
        refunded_by_us=ours,
        emails=Counter(m["subject"] for m in emails_to(email)),
        needs_attention=bool(getattr(record, "needs_attention", None)),
        swept=swept,
        order_id=orders[0].order_id if orders else None,
    )
    if orders and not seen.emails:
        seen.notes.append("no confirmation email")
    return seen


def reach(arn: str, state: str) -> bool:
    """Waits until the execution entered `state` (True) or ended without it (False)."""
    return (
        wait_for(
            lambda: (
                "yes" if state in workflows.state_names(arn) else ("no" if workflows.status(arn) != "RUNNING" else None)
            )
        )
        == "yes"
    )


def _mails_since(address: str, before: int) -> Counter:
    """Subjects of the emails `address` was sent after it had `before` (a case's own, on a shared order)."""
    return Counter(m["subject"] for m in emails_to(address)[before:])


# Fulfilment -------------------------------------------------------------------------------------

FULFILMENT_PATHS = {  # what the merchant does, step by step, after the fulfilment is created
    "shipped": ("WaitForShipment", "in_transit", "WaitForDelivery", "delivered"),
    "pickup": ("WaitUntilReadyForPickup", "ready_for_pickup", "WaitForPickup", "picked_up"),
    "cancelled": ("WaitForShipment", "cancelled"),
}


def fulfil(shop: AfterSale, stripe, order: dict, path: str) -> Seen:
    """One unit of `order` fulfilled and moved along `path` by the merchant."""
    from tests.support.after_sale import fulfilment_arn

    line = order["lines"][0]["variant_id"]
    tracking = unique("TRK").upper()
    body = {"items": [{"variant_id": line, "quantity": 1}]}
    if path == "pickup":
        body["pickup_location_id"] = shop.pickup_location_id
    else:
        body |= {"carrier": "UPS", "tracking_number": tracking}
    before = len(emails_to(order["email"]))
    created = shop.fulfil(order["id"], body)
    assert created.status_code == 201, created.body
    fulfilment_id = created.json["id"]
    arn = fulfilment_arn(fulfilment_id)
    steps = FULFILMENT_PATHS[path]
    for wait, status in zip(steps[::2], steps[1::2], strict=True):
        reach(arn, wait)
        shop.move(order["id"], fulfilment_id, status)
    execution = _finished(arn)
    seen_order = shop.order(order["id"])
    f = next(f for f in seen_order["fulfilments"] if f["id"] == fulfilment_id)
    sent = _mails_since(order["email"], before)
    return Seen(
        "fulfilment",
        f["status"],
        execution,
        emails=sent,
    )


# Returns ----------------------------------------------------------------------------------------


def give_back(shop: AfterSale, stripe, order: dict, path: str) -> Seen:
    """One unit of a delivered `order` returned along `path`: `refund` (approved, sent, received and
    refunded), `rejected`, `unsent` (expires: never sent), `store_credit`, `exchange` (for a cheaper variant);
    `dearer` exchanges it for a dearer variant whose difference is paid first, then is received, or with
    `dearer_rejected` / `dearer_expired` ends rejected or expired (the difference goes back)."""
    from chalicelib import returns
    from infra.local import runtime

    variant = order["lines"][0]["variant_id"]
    item = {"variant_id": variant, "quantity": 1}
    resolution = (
        "store_credit" if path == "store_credit" else "exchange" if "exchange" in path or "dearer" in path else None
    )
    if resolution == "exchange":
        item["exchange_for"] = shop.product(qty=3, price=2600 if "dearer" in path else 1000)
    ending = "rejected" if "rejected" in path else "expired" if "expired" in path or path == "unsent" else "received"
    before = len(emails_to(order["email"]))
    intent = order["payment"]["payment_intent"]
    stripe_before = len(_stripe_refunds(stripe, intent))
    ours_before = {r["id"] for r in shop.order(order["id"])["refunds"]}
    asked = shop.store.post(
        f"/api/store/orders/{order['id']}/returns",
        {"email": order["email"], "reason": "Too small", "items": [item]}
        | ({"resolution": resolution} if resolution else {}),
    )
    assert asked.status_code == 201, asked.body
    return_id = asked.json["id"]
    arn = returns.execution_arn(return_id)
    if "dearer" in path and reach(arn, "WaitForExchangePayment"):
        link = wait_for(lambda: shop.store.get(f"/api/store/returns/{return_id}").json.get("payment_url"))
        stripe.pay(link.rstrip("/").rsplit("/", 1)[1])
    if reach(arn, "WaitForApproval"):
        shop.return_action(return_id, "reject" if ending == "rejected" else "approve")
        if ending == "expired" and reach(arn, "WaitForParcel"):
            runtime.time_out_wait(arn)  # the parcel's days have passed
        elif ending == "received" and reach(arn, "WaitForParcel"):
            shop.store.post(
                f"/api/store/returns/{return_id}/shipped",
                {"email": order["email"], "carrier": "USPS", "tracking_number": unique("R")},
            )
            reach(arn, "WaitForArrival")
            shop.return_action(
                return_id, "receive", {"items": [{"variant_id": variant, "quantity": 1, "condition": "resellable"}]}
            )
    execution = _finished(arn)
    got = shop.admin.get(f"/api/admin/returns/{return_id}").json
    ours = [
        r["amount"] for r in shop.order(order["id"])["refunds"] if r["stripe_refund_id"] and r["id"] not in ours_before
    ]
    # An exchange's difference is paid on a session of its own: what went back of it is on the return.
    record = returns.load(shop.tenant_id, return_id)
    paid = (plain(record.exchange) or {}).get("payment") or {}
    difference_intents = {paid.get("payment_intent"), (paid.get("late") or {}).get("payment_intent")} - {None}
    for given_back in (paid, paid.get("late") or {}):
        if given_back.get("refund_id"):
            ours.append(int(paid["amount"]))
    return Seen(
        "return",
        got["status"],
        execution,
        refunded_at_stripe=_stripe_refunds(stripe, intent)[stripe_before:]
        + [amount for i in difference_intents for amount in _stripe_refunds(stripe, i)],
        refunded_by_us=ours,
        emails=_mails_since(order["email"], before),
        needs_attention=bool(got.get("needs_attention")),
    )


# Onboarding -------------------------------------------------------------------------------------


def sign_up(api) -> Seen:
    from chalicelib import tenants
    from tests.support.api import sign_up as signing_up

    _, signup = signing_up(api)
    tenant_id = signup["shop"]["id"]
    execution = _finished(workflows.execution_arn("onboarding", f"onboarding-{tenant_id}"))
    shop = tenants.get_shop(tenant_id)
    welcome = Counter(m["subject"] for m in emails_to(signup["shop"]["subdomain"] + "@example.com"))
    return Seen(
        "shop",
        "onboarded" if shop.onboarded else "not onboarded",
        execution,
        emails=welcome,
    )


# Bulk edits --------------------------------------------------------------------------------------------

BULK_PRODUCTS, BULK_PRICE = 3, 1000


def edit_in_bulk(shop: AfterSale) -> Seen:
    """Three products of 10.00 raised 10 % by one bulk edit (one chunk): each is repriced once or not at all,
    and the edit's record says which."""
    product_ids = [keys.product_id_of_variant(shop.product(price=BULK_PRICE)) for _ in range(BULK_PRODUCTS)]
    body = {"action": "adjust_price", "params": {"percent": 10}, "product_ids": product_ids}
    started = shop.admin.post("/api/admin/bulk-edits", body)
    assert started.status_code == 202, started.body
    edit_id = started.json["id"]
    execution = _finished(workflows.execution_arn("bulk_edit", f"bulk-edit-{edit_id}"))
    edit = shop.admin.get(f"/api/admin/bulk-edits/{edit_id}").json
    prices = [shop.admin.get(f"/api/admin/products/{p}").json["variants"][0]["price"] for p in product_ids]
    assert set(prices) <= {BULK_PRICE, BULK_PRICE * 11 // 10}, f"repriced twice: {prices}"
    repriced = [p for p, price in zip(product_ids, prices, strict=True) if price != BULK_PRICE]
    assert sorted(c["product_id"] for c in edit["changes"]) == sorted(repriced), "the edit's record is off"
    return Seen("bulk edit", edit["status"], execution, notes=[f"{len(repriced)} repriced"])


# The whole life of an order -------------------------------------------------------------------


@dataclass
class Phases:
    """What each phase of an order's life came to: bought, shipped (one unit), returned (that unit)."""

    seen: list[Seen]

    def check(self) -> None:
        for phase in self.seen:
            phase.check()

    def outcome(self) -> str:
        return " / ".join(phase.outcome() for phase in self.seen)


def full(shop: AfterSale, stripe, monkeypatch) -> Phases:
    """Buys, ships one unit and has it delivered, returns it for a refund; stops where a phase ends short."""
    phases = [buy(shop, stripe, monkeypatch, "paid")]
    if phases[0].order_id:
        phases.append(fulfil(shop, stripe, shop.order(phases[0].order_id), "shipped"))
        if phases[1].status == "delivered":
            phases.append(give_back(shop, stripe, shop.order(phases[0].order_id), "refund"))
    return Phases(phases)
