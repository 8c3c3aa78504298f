"""Returns: the shopper asks on the storefront, the merchant decides and inspects, the money and stock go back.

Each return is its own item (ReturnRecord) followed by the workflow in
infra/workflows/returns.asl.json:

    awaiting_payment -> requested | expired (an exchange for a dearer variant: the difference is paid first)
    requested -> approved (the shop's policy approves it, or the merchant) | rejected
    approved  -> in_transit (the shopper sent the parcel) | received | expired (not sent in time)
    in_transit -> received (each item inspected: resellable goes back to stock, damaged does not)
    received  -> refunded | credited (store credit) | exchanged (another variant, difference settled)
    refunded / credited / exchanged -> closed

The units a return asks for are claimed on the order (`return_claims`) in the
same transaction that writes the return, so two returns can never take back
more than was bought; a rejected or expired return gives its claim back in
the transaction that moves it. Actions repeated on a return already in (or
past) their resulting status answer 200 and change nothing; any other move
the table does not list is a 409.

The merchant's `receive` inspects and settles at once (restock, refund), so
its answer already shows the refund; the workflow's later steps find that
done (each is idempotent) and go on to tell the shopper and close the
return, or finish what Stripe could not do at the time (their Retry).
"""

from pynamodb.exceptions import DoesNotExist, UpdateError

from . import (
    cancellation,
    catalog,
    clock,
    cursors,
    discounts,
    emails,
    fulfilment,
    keys,
    lifecycle,
    money,
    notifications,
    orders,
    payment_accounts,
    payment_sessions,
    payments,
    pricing,
    refund_math,
    refunds,
    reservations,
    return_policy,
    settings,
    taxes,
    tenants,
    workflows,
)
from .db import OrderRecord, ReturnRecord, ShopRecord, conditionally
from .db import plain as _plain
from .errors import Conflict, Invalid, NotFound
from .observability import logger

WORKFLOW = "returns"

TRANSITIONS = {
    "awaiting_payment": {"requested", "expired"},
    "requested": {"approved", "rejected"},
    "approved": {"in_transit", "received", "expired"},
    "in_transit": {"received"},
    "received": {"refunded", "credited", "exchanged"},
    "refunded": {"closed"},
    "credited": {"closed"},
    "exchanged": {"closed"},
    "rejected": set(),
    "expired": set(),
    "closed": set(),
}


def _stamp(model, status: str) -> list:
    """Every move is dated and kept in the return's history (the status page shows the steps)."""
    now = clock.now_iso()
    return [model.updated_at.set(now), model.history.set(model.history.append([{"at": now, "status": status}]))]


LIFECYCLE = lifecycle.Lifecycle("return", TRANSITIONS, stamp=_stamp)
RESOLVED = {"refund": "refunded", "store_credit": "credited", "exchange": "exchanged"}
SETTLED = ("refunded", "credited", "exchanged", "closed")
# action -> (the status it leads to, the statuses in which it is already done: repeating it changes nothing)
ACTIONS = {
    "approve": ("approved", {"approved", "in_transit", "received", *SETTLED}),
    "reject": ("rejected", {"rejected"}),
    "ship": ("in_transit", {"in_transit", "received", *SETTLED}),
    "receive": ("received", {"received", *SETTLED}),
}
CONDITIONS = ("resellable", "damaged")
EXCHANGE = "exchange"  # the owner of an exchange's payment session (payment_sessions)
PAYMENT_SECONDS = 3600  # how long the shopper has to pay an exchange's difference (Stripe wants 30 min to 24 h)
# Statuses that no longer hold the order's units (their claim went back).
VOID = ("rejected", "expired")


def execution_arn(return_id: str) -> str:
    return settings.state_machine_arn(WORKFLOW).replace(":stateMachine:", ":execution:") + f":return-{return_id}"


def _load(tenant_id: str, return_id: str) -> ReturnRecord:
    if not keys.is_id(return_id):
        raise NotFound("No such return")
    try:
        return ReturnRecord.get(tenant_id, keys.return_sk(return_id), consistent_read=True)
    except DoesNotExist:
        raise NotFound("No such return") from None


def _counts(items: list[dict]) -> dict[str, int]:
    out: dict[str, int] = {}
    for item in items or []:
        out[item["variant_id"]] = out.get(item["variant_id"], 0) + int(item["quantity"])
    return out


def to_dict(record: ReturnRecord) -> dict:
    exchange = _plain(record.exchange)
    return {
        "id": record.return_id,
        "order_id": record.order_id,
        "order_number": int(record.order_number),
        "status": record.status,
        "reason": record.reason,
        "resolution": record.resolution,
        "items": [
            {
                "variant_id": i["variant_id"],
                "quantity": int(i["quantity"]),
                "reason": i.get("reason"),
                "exchange_for": i.get("exchange_for"),
            }
            for i in _plain(record.items)
        ],
        "received": [
            {"variant_id": i["variant_id"], "quantity": int(i["quantity"]), "condition": i["condition"]}
            for i in _plain(record.received) or []
        ],
        "expected_refund": int(record.expected_refund),
        "exchange": (
            {
                "items": exchange["items"],
                "cost": int(exchange["cost"]),
                "credit": int(exchange["credit"]),
                "difference": int(exchange["difference"]),
                "order_id": exchange.get("order_id"),
                "payment_status": (exchange.get("payment") or {}).get("status"),
            }
            if exchange
            else None
        ),
        "payment_url": (
            (exchange.get("payment") or {}).get("url") if exchange and record.status == "awaiting_payment" else None
        ),
        "outcome": _plain(record.outcome),
        "return_shipping_paid_by": (_plain(record.policy) or {}).get("return_shipping_paid_by"),
        "status_url": record.status_url,
        "history": _plain(record.history),
        "created_at": record.created_at,
        "updated_at": record.updated_at,
    }


def _move(record: ReturnRecord, status: str, *actions) -> bool:
    """Moves the return to `status` if the table allows; False when it does not (the record may have
    moved meanwhile: it is then re-read)."""
    return LIFECYCLE.move(record, status, *actions)


def _describe(order: OrderRecord, counts: dict[str, int]) -> str:
    titles = {
        l["variant_id"]: " - ".join(p for p in (l["title"], l.get("variant_title")) if p) for l in _plain(order.lines)
    }
    return ", ".join(f"{n} x {titles.get(v, v)}" for v, n in counts.items() if n)


# Asking for a return (storefront) --------------------------------------------


def _order_for_shopper(tenant_id: str, order_id: str, email: str) -> OrderRecord:
    """The order, if `email` is its email (the same 404 as an unknown order otherwise)."""
    try:
        order = orders.load(tenant_id, order_id)
    except NotFound:
        raise NotFound("No order with that email") from None
    if order.email != tenants.normalize_email(email):
        raise NotFound("No order with that email")
    return order


def _category(tenant_id: str, product_id: str) -> str | None:
    try:
        return catalog.get_product(tenant_id, product_id).get("category")
    except NotFound:
        return None


def _returnable(order: OrderRecord, policy: dict, items: list[dict]) -> dict[str, int]:
    """The units asked for, by variant, if every one of them may come back; Invalid naming the item otherwise."""
    bought = orders.units_of(order)
    product_of = {l["variant_id"]: l["product_id"] for l in _plain(order.lines)}
    claimed = {k: int(v) for k, v in (_plain(order.return_claims) or {}).items()}
    fulfilled = orders.fulfilled_units(order)
    now = clock.now()
    in_window: dict[str, int] = {}
    for f in _plain(order.fulfilments) or []:
        if f["status"] in orders.VOID_FULFILMENT_STATUSES:
            continue
        started = clock.parse_iso(fulfilment.window_start(f))
        if (now - started).total_seconds() < policy["window_days"] * settings.return_day_seconds():
            for item in f["items"]:
                in_window[item["variant_id"]] = in_window.get(item["variant_id"], 0) + int(item["quantity"])
    counts: dict[str, int] = {}
    categories_matter = bool(policy["final_sale_categories"])
    for i, item in enumerate(items):
        variant_id, field = item["variant_id"], f"items[{i}]"
        if variant_id not in bought:
            raise Invalid(f"{field}.variant_id: not in this order", {f"{field}.variant_id": "not in this order"})
        counts[variant_id] = counts.get(variant_id, 0) + item["quantity"]
        wanted, left = counts[variant_id], bought[variant_id] - claimed.get(variant_id, 0)
        if wanted > bought[variant_id]:
            raise Invalid(
                f"{field}.quantity: only {bought[variant_id]} bought",
                {f"{field}.quantity": f"more than the {bought[variant_id]} bought"},
            )
        if wanted > left:
            raise Invalid(
                f"{field}.quantity: only {left} left to return (the rest is in another return)",
                {f"{field}.quantity": f"only {left} left to return"},
            )
        product_id = product_of[variant_id]
        if return_policy.is_final_sale(
            policy, product_id, _category(order.pk, product_id) if categories_matter else None
        ):
            raise Invalid(f"{field}.variant_id: final sale, not returnable", {f"{field}.variant_id": "final sale"})
        fulfilled_left = fulfilled.get(variant_id, 0) - claimed.get(variant_id, 0)
        if wanted > fulfilled_left:
            raise Invalid(
                f"{field}.variant_id: not fulfilled yet"
                if fulfilled_left <= 0
                else f"{field}.quantity: only {fulfilled_left} fulfilled so far",
                {f"{field}.variant_id" if fulfilled_left <= 0 else f"{field}.quantity": "not fulfilled"},
            )
        if wanted > min(fulfilled_left, in_window.get(variant_id, 0)):
            raise Invalid(
                f"{field}.variant_id: outside the {policy['window_days']}-day return window",
                {f"{field}.variant_id": "outside the return window"},
            )
    return counts


def _expected_refund(order: OrderRecord, counts: dict[str, int], fee_percent: int) -> int:
    quote = pricing.Quote.from_dict(_plain(order.quote))
    done = refunds.refunded_units(order)
    counts = {v: min(n, orders.units_of(order)[v] - done.get(v, 0)) for v, n in counts.items()}
    return refund_math.refund_for_lines(quote, counts, already_returned=done, restocking_fee_percent=fee_percent).total


def _exchange_quote(shop: ShopRecord, order: OrderRecord, items: list[dict]) -> tuple[list[dict], pricing.Quote]:
    """The replacement units priced as a checkout would price them today (no discount, no shipping)."""
    wanted: dict[str, int] = {}
    for item in items:
        if item.get("exchange_for"):
            wanted[item["exchange_for"]] = wanted.get(item["exchange_for"], 0) + item["quantity"]
    found = catalog.purchasable(shop.tenant_id, list(wanted), consistent=True)
    lines = []
    for i, item in enumerate(items):
        target = item.get("exchange_for")
        if not target:
            raise Invalid(
                f"items[{i}].exchange_for: an exchange names the variant wanted instead",
                {f"items[{i}].exchange_for": "is required for an exchange"},
            )
        variant = found.get(target)
        if variant is None or variant["product_status"] != "active" or variant["currency"] != order.currency:
            raise Invalid(
                f"items[{i}].exchange_for: not a variant this shop sells",
                {f"items[{i}].exchange_for": "unknown variant"},
            )
    for variant_id, quantity in wanted.items():
        v = found[variant_id]
        lines.append(
            {
                "variant_id": variant_id,
                "product_id": v["product_id"],
                "sku": v["sku"],
                "title": v["product_title"],
                "variant_title": v["title"] if v["options"] else "",
                "quantity": quantity,
                "price": int(v["price"]),
            }
        )
    address = _plain(order.shipping_address) or {}
    quote = pricing.quote(
        [
            pricing.Line(
                variant_id=l["variant_id"], unit_price=l["price"], quantity=l["quantity"], product_id=l["product_id"]
            )
            for l in lines
        ],
        order.currency,
        country=address.get("country", ""),
        tax_rates=taxes.rates(shop),
        prices_include_tax=taxes.prices_include_tax(shop),
        now=clock.now(),
    )
    return lines, quote


def request(shop: ShopRecord, order_id: str, data: dict, storefront_base: str) -> dict:
    """The shopper's return (POST /api/store/orders/{id}/returns): 201 `requested`, or 404 (not their order)
    or 400 naming the item (not fulfilled, more than bought, outside the window, final sale)."""
    tenant_id = shop.tenant_id
    order = _order_for_shopper(tenant_id, order_id, data["email"])
    shop = tenants.get_shop(tenant_id)  # the storefront's copy may be a few seconds old: the policy is not
    policy = return_policy.of_shop(shop)
    resolution = data.get("resolution", "refund")
    if resolution == "exchange" and not policy["exchanges_allowed"]:
        raise Invalid("resolution: this shop does not take exchanges", {"resolution": "exchanges not allowed"})
    if resolution == "store_credit" and not policy["store_credit_allowed"]:
        raise Invalid("resolution: this shop does not give store credit", {"resolution": "store credit not allowed"})
    reason = data["reason"].strip()
    if not reason:
        raise Invalid("reason: must not be blank", {"reason": "must not be blank"})
    counts = _returnable(order, policy, data["items"])
    return_id, now = keys.new_id(), clock.now_iso()
    terms = {
        k: policy[k]
        for k in (
            "restocking_fee_percent",
            "refund_original_shipping",
            "return_shipping_paid_by",
            "parcel_days",
            "window_days",
        )
    }
    expected = _expected_refund(order, counts, policy["restocking_fee_percent"])
    exchange = None
    if resolution == "exchange":
        lines, quote = _exchange_quote(shop, order, data["items"])
        exchange = {
            "items": lines,
            "quote": quote.to_dict(),
            "cost": quote.total,
            "credit": expected,
            "difference": quote.total - expected,
            "order_id": None,
            "new_order_id": keys.new_id(),
            "payment": None,
        }
        if exchange["difference"] > 0:  # the shopper pays the difference before anything else happens
            if payment_accounts.ready(tenant_id) is None:
                raise Conflict(
                    "This shop cannot take payments: pick a replacement of the same price or less",
                    {"items": "replacement costs more"},
                )
            exchange["payment"] = {"status": "due", "amount": exchange["difference"]}
    initial = "awaiting_payment" if exchange and exchange["payment"] else "requested"
    record = ReturnRecord(
        tenant_id,
        keys.return_sk(return_id),
        return_id=return_id,
        order_id=order.order_id,
        order_number=int(order.number),
        email=order.email,
        status=initial,
        reason=reason,
        resolution=resolution,
        policy=terms,
        expected_refund=expected,
        exchange=exchange,
        items=[
            {
                "variant_id": i["variant_id"],
                "quantity": i["quantity"],
                "reason": (i.get("reason") or reason).strip(),
                "exchange_for": i.get("exchange_for"),
            }
            for i in data["items"]
        ],
        status_url=f"{storefront_base}/returns/{return_id}",
        history=[{"at": now, "status": initial}],
        created_at=now,
        updated_at=now,
        gsi1pk=keys.returns_gsi(tenant_id),
        gsi1sk=return_id,
    )
    parcel_seconds = policy["parcel_days"] * settings.return_day_seconds()
    if exchange:
        try:  # the replacement is held like a checkout's stock, for as long as the return may take
            reservations.reserve(
                tenant_id,
                return_id,
                items=[(l["variant_id"], l["quantity"]) for l in exchange["items"]],
                discount=None,
                email=order.email,
                seconds=parcel_seconds + 30 * 86400,
                execution_arn=execution_arn(return_id),
            )
        except reservations.OutOfStock:
            raise Conflict("The replacement is out of stock", {"items": "replacement out of stock"}) from None

    def decide(current: OrderRecord) -> orders.Change:
        again = _returnable(current, policy, data["items"])  # on the order as it is now
        claims = {k: int(v) for k, v in (_plain(current.return_claims) or {}).items()}
        for variant_id, n in again.items():
            claims[variant_id] = claims.get(variant_id, 0) + n

        def also(tx):
            tx.save(record, condition=ReturnRecord.pk.does_not_exist())

        return orders.Change(
            values={"return_claims": claims},
            also=also,
            timeline=[
                orders.entry(
                    "return_requested", f"Return {return_id} requested: {_describe(current, again)} ({reason})"
                )
            ],
        )

    try:
        orders.change(tenant_id, order.order_id, decide)
    except Exception:
        if exchange:
            reservations.release(tenant_id, return_id)
        raise
    workflows.start(
        WORKFLOW,
        name=f"return-{return_id}",
        payload={
            "tenant_id": tenant_id,
            "return_id": return_id,
            "resolution": resolution,
            "parcel_seconds": parcel_seconds,
            "payment_due": exchange["difference"] if exchange and exchange["payment"] else 0,
            "payment_seconds": PAYMENT_SECONDS + 300,
        },
    )
    return to_dict(record)


def for_shopper(tenant_id: str, return_id: str) -> dict:
    """The storefront's return status (its id is the shopper's link: unguessable, 80 of its bits are random)."""
    return to_dict(_load(tenant_id, return_id))


def for_page(tenant_id: str, return_id: str) -> dict:
    """The return status page: the return, its items named, and its order's currency."""
    record = _load(tenant_id, return_id)
    order = orders.load(tenant_id, record.order_id)
    titles = {
        l["variant_id"]: " - ".join(p for p in (l["title"], l.get("variant_title")) if p) for l in _plain(order.lines)
    }
    view = to_dict(record)
    view["currency"] = order.currency
    view["items"] = [{**i, "title": titles.get(i["variant_id"], i["variant_id"])} for i in view["items"]]
    view["steps"] = [{"status": h["status"], "at": h["at"]} for h in view["history"]]
    return view


def shipped(tenant_id: str, return_id: str, data: dict) -> dict:
    """The shopper sent the parcel: the return stops waiting to expire."""
    record = _load(tenant_id, return_id)
    if record.email != tenants.normalize_email(data["email"]):
        raise NotFound("No such return")
    how = " ".join(p for p in (data.get("carrier"), data.get("tracking_number")) if p)

    def perform(r: ReturnRecord) -> bool:
        moved = _move(r, "in_transit")
        if moved:
            _note(r, "return_in_transit", f"Return {return_id} sent back by the shopper" + (f" ({how})" if how else ""))
        return moved

    return _act(record, "ship", perform)


# The merchant's side ----------------------------------------------------------


def list_returns(tenant_id: str, *, limit: int, cursor: str | None, status: str | None = None) -> dict:
    if status and status not in LIFECYCLE.statuses:
        raise Invalid(f"status: one of {', '.join(LIFECYCLE.statuses)}", {"status": "unknown status"})
    page = ReturnRecord.all_returns.query(
        keys.returns_gsi(tenant_id),
        scan_index_forward=False,
        limit=limit,
        filter_condition=(ReturnRecord.status == status) if status else None,
        last_evaluated_key=cursors.decode(cursor, tenant_id, index=("gsi1", keys.returns_gsi(tenant_id))),
    )
    return {"items": [to_dict(r) for r in page], "next": cursors.encode(page.last_evaluated_key)}


def get(tenant_id: str, return_id: str) -> dict:
    return to_dict(_load(tenant_id, return_id))


def _act(record: ReturnRecord, action: str, perform) -> dict:
    """Runs `perform(record)` (True once it moved the return) unless the action is done already (200, no
    change) or the status does not allow it (409); a return that moved meanwhile is judged again."""
    target, done = ACTIONS[action]
    for _ in range(5):
        if record.status in done:
            return to_dict(record)
        LIFECYCLE.require(record.status, target)
        if perform(record):
            record.refresh(consistent_read=True)
            _deliver(record)
            return to_dict(record)
        record.refresh(consistent_read=True)
    raise Conflict("The return keeps changing; try again")


def _note(record: ReturnRecord, kind: str, message: str) -> None:
    orders.change(record.pk, record.order_id, lambda o: orders.Change(timeline=[orders.entry(kind, message)]))


def approve(tenant_id: str, return_id: str) -> dict:
    record = _load(tenant_id, return_id)

    def perform(r: ReturnRecord) -> bool:
        moved = _move(r, "approved")
        if moved:
            _note(r, "return_approved", f"Return {return_id} approved")
        return moved

    return _act(record, "approve", perform)


def reject(tenant_id: str, return_id: str) -> dict:
    record = _load(tenant_id, return_id)
    return _act(record, "reject", lambda r: _void(r, "rejected"))


def _void(record: ReturnRecord, status: str) -> bool:
    """Rejected or expired: the order gets its units' claim back in the same transaction."""
    counts = _counts(_plain(record.items))

    def decide(order: OrderRecord) -> orders.Change | None:
        current = _load(record.pk, record.return_id)
        if current.status != record.status:
            return None
        claims = {k: int(v) for k, v in (_plain(order.return_claims) or {}).items()}
        for variant_id, n in counts.items():
            claims[variant_id] = max(claims.get(variant_id, 0) - n, 0)
        return orders.Change(
            values={"return_claims": claims},
            result=True,
            also=lambda tx: LIFECYCLE.move_in(tx, current, status),
            timeline=[orders.entry(f"return_{status}", f"Return {record.return_id} {status}")],
        )

    _, changed = orders.change(record.pk, record.order_id, decide)
    if record.exchange:
        reservations.release(record.pk, record.return_id)
    return changed is not None


def _received_items(record: ReturnRecord, data: dict | None) -> list[dict]:
    asked = _counts(_plain(record.items))
    if not data or not data.get("items"):
        return [{"variant_id": v, "quantity": n, "condition": "resellable"} for v, n in asked.items()]
    got: dict[tuple, int] = {}
    totals: dict[str, int] = {}
    for i, item in enumerate(data["items"]):
        variant_id = item["variant_id"]
        if variant_id not in asked:
            raise Invalid(
                f"items[{i}].variant_id: not in this return", {f"items[{i}].variant_id": "not in this return"}
            )
        totals[variant_id] = totals.get(variant_id, 0) + item["quantity"]
        if totals[variant_id] > asked[variant_id]:
            raise Invalid(
                f"items[{i}].quantity: the return has only {asked[variant_id]}",
                {f"items[{i}].quantity": f"at most {asked[variant_id]}"},
            )
        key = (variant_id, item.get("condition", "resellable"))
        got[key] = got.get(key, 0) + item["quantity"]
    return [{"variant_id": v, "quantity": n, "condition": c} for (v, c), n in got.items() if n]


def receive(tenant_id: str, return_id: str, data: dict | None) -> dict:
    """The parcel arrived: each item's condition is recorded, resellable units go back to stock and the
    return is settled (refund, store credit or exchange) before answering."""
    record = _load(tenant_id, return_id)
    target, done = ACTIONS["receive"]
    if record.status in done:
        return to_dict(record)
    received = _received_items(record, data)

    def perform(r: ReturnRecord) -> bool:
        moved = _move(r, "received", ReturnRecord.received.set(received))
        if moved:
            order = orders.load(tenant_id, r.order_id)
            what = "; ".join(f"{_describe(order, {i['variant_id']: i['quantity']})} {i['condition']}" for i in received)
            _note(r, "return_received", f"Return {return_id} received: {what or 'nothing'}")
        return moved

    _act(record, "receive", perform)
    inspect(tenant_id, return_id)
    try:
        settle(tenant_id, return_id)
    except payments.PaymentsUnavailable:
        logger.warning("refund deferred to the returns workflow", return_id=return_id)
    return to_dict(_load(tenant_id, return_id))


# Settling (the merchant's receive, and the workflow's steps) -------------------


def inspect(tenant_id: str, return_id: str) -> None:
    """Resellable units back to stock; the claim of units that never came back goes back to the order.
    Once: the return's `restocked_at` is set in the same transaction."""
    record = _load(tenant_id, return_id)
    if record.restocked_at or record.status not in ("received", *SETTLED):
        return
    received = _plain(record.received) or []
    resellable = _counts([i for i in received if i["condition"] == "resellable"])
    missing = {v: n - _counts(received).get(v, 0) for v, n in _counts(_plain(record.items)).items()}

    def decide(order: OrderRecord) -> orders.Change | None:
        current = _load(tenant_id, return_id)
        if current.restocked_at:
            return None
        live = cancellation.live_variants(tenant_id, list(resellable))
        back = {v: n for v, n in resellable.items() if v in live}
        restocked = {k: int(v) for k, v in (_plain(order.restocked) or {}).items()}
        claims = {k: int(v) for k, v in (_plain(order.return_claims) or {}).items()}
        for variant_id, n in missing.items():
            claims[variant_id] = max(claims.get(variant_id, 0) - n, 0)

        def also(tx):
            cancellation.restock_in(tenant_id, back)(tx)
            tx.update(
                current,
                actions=[ReturnRecord.restocked_at.set(clock.now_iso())],
                condition=ReturnRecord.restocked_at.does_not_exist(),
            )

        units = sum(back.values())
        return orders.Change(
            values={
                "restocked": {**restocked, **{v: restocked.get(v, 0) + n for v, n in back.items()}},
                "return_claims": claims,
            },
            also=also,
            timeline=[
                orders.entry(
                    "restocked",
                    f"Return {return_id}: {units} unit{'s' if units != 1 else ''} "
                    f"back in stock" + (f" ({_describe(order, back)})" if units else ""),
                )
            ],
        )

    orders.change(tenant_id, record.order_id, decide)


def _refund_plan(record: ReturnRecord, *, amount_of=None):
    """How much a return refunds: its received units at what they cost (refund_math.refund_for_lines), less the
    restocking fee of its policy, plus the shipping left when the policy gives it back and this return
    brings back the order's last units; never more than is left of what was paid."""
    terms = _plain(record.policy)
    received = _counts(_plain(record.received))

    def plan(order: OrderRecord) -> dict | None:
        bought, done = orders.units_of(order), refunds.refunded_units(order)
        counts = {v: min(n, bought[v] - done.get(v, 0)) for v, n in received.items()}
        everything_back = all(done.get(v, 0) + counts.get(v, 0) >= q for v, q in bought.items())
        quote = pricing.Quote.from_dict(_plain(order.quote))
        refund = refund_math.refund_for_lines(
            quote,
            counts,
            already_returned=done,
            restocking_fee_percent=int(terms["restocking_fee_percent"]),
            refund_shipping_left=bool(terms["refund_original_shipping"]) and everything_back,
            already_refunded_shipping=refunds.refunded_shipping(order),
        )
        amount = refund.total if amount_of is None else amount_of(refund)
        return {
            "amount": min(amount, refunds.refundable(order)),
            "lines": counts,
            "shipping": refund.shipping,
            "reason": f"return {record.return_id}",
            "return_id": record.return_id,
        }

    return plan


def settle(tenant_id: str, return_id: str) -> None:
    """Refund, store credit or exchange, once, by the return's resolution."""
    record = _load(tenant_id, return_id)
    if record.status != "received":
        return
    {"refund": _refund, "store_credit": _store_credit, "exchange": _exchange}[record.resolution](record)


def _refund(record: ReturnRecord) -> None:
    refund = refunds.issue(record.pk, record.order_id, key=f"return:{record.return_id}", plan=_refund_plan(record))
    _move(
        record,
        "refunded",
        ReturnRecord.outcome.set(
            {"refund_id": refund["id"], "amount": refund["amount"]} if refund else {"refund_id": None, "amount": 0}
        ),
    )


def _store_credit(record: ReturnRecord) -> None:
    """A single-use code worth what the refund would have been (a fixed-amount discount at checkout)."""
    order = orders.load(record.pk, record.order_id)
    amount = _refund_plan(record)(order)["amount"]
    code = f"CREDIT-{record.return_id[-10:]}"
    if amount > 0:
        try:
            discounts.create(record.pk, {"code": code, "type": "fixed_amount", "value": amount, "usage_limit": 1})
        except Conflict:
            pass  # made by an earlier try of this step
    _move(record, "credited", ReturnRecord.outcome.set({"code": code if amount > 0 else None, "amount": amount}))
    _note(
        record,
        "store_credit_issued",
        f"Return {record.return_id}: store credit of {money.format_money(amount, order.currency)} ({code})",
    )


def _exchange(record: ReturnRecord) -> None:
    """The replacement becomes an order of its own (paid by the returned units' value); what the return
    was worth beyond it is refunded."""
    exchange = _plain(record.exchange)
    order = orders.load(record.pk, record.order_id)
    paid = exchange.get("payment") or {}
    payment = (
        {
            "provider": "stripe",
            "payment_intent": paid["payment_intent"],
            "session_id": paid["session_id"],
            "account_id": paid["account_id"],
            "amount": int(paid["amount"]),
        }
        if paid.get("status") == "paid"
        else None
    )
    replacement = orders.create_exchange(
        record.pk,
        order,
        exchange["new_order_id"],
        record.return_id,
        exchange["items"],
        pricing.Quote.from_dict(exchange["quote"]),
        payment,
    )
    back = -int(exchange["difference"])
    refund = None
    if back > 0:
        refund = refunds.issue(
            record.pk,
            record.order_id,
            key=f"return:{record.return_id}",
            plan=_refund_plan(record, amount_of=lambda r: min(back, r.total)),
        )
    _move(
        record,
        "exchanged",
        ReturnRecord.exchange["order_id"].set(replacement.order_id),
        ReturnRecord.outcome.set(
            {
                "order_id": replacement.order_id,
                "order_number": int(replacement.number),
                "refund_id": refund["id"] if refund else None,
                "amount": refund["amount"] if refund else 0,
            }
        ),
    )


def _deliver(record: ReturnRecord) -> None:
    if not record.task_token or record.status == record.waiting_in:
        return
    if record.status == "rejected":
        workflows.fail_task(record.task_token, "ReturnRejected", "The merchant rejected the return")
    else:
        workflows.succeed_task(record.task_token, {"status": record.status})


# Exchanges: paying the difference ----------------------------------------------


def _payment(record: ReturnRecord) -> dict:
    return (_plain(record.exchange) or {}).get("payment") or {}


@workflows.task("returns.create_payment")
def create_payment(payload: dict) -> dict:
    """A Stripe Checkout Session for the difference (payment_sessions, like a checkout's: its id names the
    return, so a retried step gets the same session)."""
    tenant_id, return_id = _ids(payload)
    record = _load(tenant_id, return_id)
    payment = _payment(record)
    if record.status != "awaiting_payment" or payment.get("session_id"):
        return payload
    order = orders.load(tenant_id, record.order_id)
    amount = int(payment["amount"])
    session = payment_sessions.open_session(
        tenant_id,
        EXCHANGE,
        return_id,
        currency=order.currency,
        lines=[
            {"name": f"Exchange for order #{int(order.number)}: price difference", "unit_amount": amount, "quantity": 1}
        ],
        amount=amount,
        email=record.email,
        return_urls=(record.status_url, record.status_url),
        created_at=record.created_at,
        lifetime=PAYMENT_SECONDS,
    )
    conditionally(  # a retried step keeps the session it stored first
        record.update,
        actions=[
            ReturnRecord.exchange["payment"].set(
                {**payment, "session_id": session["id"], "url": session["url"], "account_id": session["account_id"]}
            )
        ],
        condition=ReturnRecord.exchange["payment"]["session_id"].does_not_exist(),
    )
    return payload


def _mark_paid(record: ReturnRecord, payment_intent: str) -> bool:
    paid = {**_payment(record), "status": "paid", "payment_intent": payment_intent}
    if _move(record, "requested", ReturnRecord.exchange["payment"].set(paid)):
        _note(
            record,
            "exchange_paid",
            f"Return {record.return_id}: exchange difference of "
            f"{money.format_money(int(paid['amount']), _currency(record))} paid",
        )
        return True
    return False


def _currency(record: ReturnRecord) -> str:
    return pricing.Quote.from_dict(_plain(record.exchange)["quote"]).currency


def _session(payment: dict) -> dict | None:
    return {"id": payment["session_id"], "account_id": payment["account_id"]} if payment.get("session_id") else None


def _paid_after_all(record: ReturnRecord) -> bool:
    """Stops the session from being paid; True if the shopper paid it first (then the return goes on)."""
    session = _session(_payment(record))
    paid = payment_sessions.stop(session, EXCHANGE, record.return_id) if session else None
    return paid is not None and _mark_paid(record, paid["payment_intent"])


def _late_refunded(tenant_id: str, return_id: str, refund_id: str) -> None:
    record = _load(tenant_id, return_id)
    late = _payment(record)["late"]
    record.update(actions=[ReturnRecord.exchange["payment"]["late"]["refund_id"].set(refund_id)])
    _note(
        record,
        "refunded",
        f"Return {return_id}: exchange difference of "
        f"{money.format_money(int(late['amount']), _currency(record))} paid too late, refunded",
    )


@payment_sessions.owner(EXCHANGE, id_key="return_id", late_refunded=_late_refunded)
def on_payment_news(news: payment_sessions.News) -> str:
    """What Stripe says about an exchange's payment (webhook): paid, the return goes on; a payment that
    comes after the return expired is refunded by the late_payment workflow; an expired session expires
    the return; a declined attempt changes nothing (the shopper may try again until it expires)."""
    try:
        record = _load(news.tenant_id, news.owner_id or "") if news.tenant_id and keys.is_id(news.tenant_id) else None
    except NotFound:
        record = None
    payment = _payment(record) if record is not None else {}
    if record is None or not payment_sessions.matches(_session(payment), news):
        logger.warning("Stripe event does not match the return's session", return_id=news.owner_id)
        return "ignored"
    if news.kind == "expired":
        if record.status == "awaiting_payment":
            _void(record, "expired")
            record.refresh(consistent_read=True)
            _deliver(record)
            return "expired"
        return "ignored"
    if news.kind != "paid" or news.amount != int(payment["amount"]):
        return "ignored"
    if payment.get("status") == "paid":
        return "duplicate"
    if record.status == "awaiting_payment" and _mark_paid(record, news.payment_intent):
        record.refresh(consistent_read=True)
        _deliver(record)
        return "paid"
    if record.status == "expired":  # too late: no exchange, the money goes back
        paid = news.payment()
        conditionally(
            record.update,
            actions=[ReturnRecord.exchange["payment"]["late"].set({**paid, "refund_id": None})],
            condition=ReturnRecord.exchange["payment"]["late"].does_not_exist(),
        )
        payment_sessions.refund_late(record.pk, EXCHANGE, record.return_id, paid)
        return "refunding"
    return "ignored"


@workflows.task("returns.refund_difference")
def refund_difference(payload: dict) -> dict:
    """A rejected or expired exchange whose difference was paid: the payment goes back."""
    tenant_id, return_id = _ids(payload)
    record = _load(tenant_id, return_id)
    payment = _payment(record)
    if record.status not in VOID or payment.get("status") != "paid" or payment.get("refund_id"):
        return payload
    refund = payment_sessions.refund(tenant_id, EXCHANGE, return_id, payment)
    record.update(actions=[ReturnRecord.exchange["payment"]["refund_id"].set(refund["id"])])
    _note(
        record,
        "refunded",
        f"Return {return_id}: exchange difference of "
        f"{money.format_money(int(payment['amount']), _currency(record))} refunded",
    )
    return payload


# Workflow tasks ---------------------------------------------------------------


def _ids(payload: dict) -> tuple[str, str]:
    return payload["tenant_id"], payload["return_id"]


@workflows.task("returns.review")
def review(payload: dict) -> dict:
    """Approves the return if the shop's policy approves such returns automatically."""
    tenant_id, return_id = _ids(payload)
    record = _load(tenant_id, return_id)
    policy = return_policy.of_shop(tenants.get_shop(tenant_id))
    if record.status == "requested" and return_policy.approves_automatically(
        policy, value=int(record.expected_refund), reason=record.reason
    ):
        if _move(record, "approved"):
            _note(record, "return_approved", f"Return {return_id} approved automatically by the return policy")
    # Anything but approved-or-later waits: a return the merchant rejected meanwhile is failed at once there.
    return {"decision": "approved" if record.status in ACTIONS["approve"][1] else "waiting"}


@workflows.task("returns.await")
def await_change(payload: dict) -> dict:
    """A `.waitForTaskToken` step: keeps its token on the return; completed once the return leaves
    `payload["leaves"]` (at once if it already has)."""
    tenant_id, return_id = _ids(payload)
    record = _load(tenant_id, return_id)
    try:
        record.update(
            actions=[ReturnRecord.task_token.set(payload["task_token"]), ReturnRecord.waiting_in.set(payload["leaves"])]
        )
    except UpdateError:
        raise workflows.TransientError("Could not keep the task token") from None
    record.refresh(consistent_read=True)
    _deliver(record)
    return {}


@workflows.task("returns.expire")
def expire(payload: dict) -> dict:
    """The parcel was not sent in time: the return expires, unless it moved on meanwhile."""
    tenant_id, return_id = _ids(payload)
    record = _load(tenant_id, return_id)
    if record.status == "awaiting_payment" and _paid_after_all(record):
        record.refresh(consistent_read=True)
    if record.status in ("approved", "awaiting_payment"):
        _void(record, "expired")
        record.refresh(consistent_read=True)
    elif record.status == "expired" and record.exchange:
        reservations.release(tenant_id, return_id)
    return {"expired": record.status == "expired", "status": record.status}


@workflows.task("returns.inspect")
def inspect_task(payload: dict) -> dict:
    inspect(*_ids(payload))
    return payload


@workflows.task("returns.refund")
def refund_task(payload: dict) -> dict:
    settle(*_ids(payload))
    return payload


@workflows.task("returns.store_credit")
def store_credit_task(payload: dict) -> dict:
    settle(*_ids(payload))
    return payload


@workflows.task("returns.exchange")
def exchange_task(payload: dict) -> dict:
    settle(*_ids(payload))
    return payload


@workflows.task("returns.close")
def close(payload: dict) -> dict:
    tenant_id, return_id = _ids(payload)
    record = _load(tenant_id, return_id)
    if record.status in ("refunded", "credited", "exchanged") and _move(record, "closed"):
        _note(record, "return_closed", f"Return {return_id} closed")
    return payload


def _email(record: ReturnRecord, event: str) -> emails.Email:
    """The shopper's email about `event` (templates/emails/return_<event>)."""
    order = orders.load(record.pk, record.order_id)
    terms = _plain(record.policy)
    outcome = _plain(record.outcome) or {}
    payment = _payment(record)
    return emails.render(
        f"return_{event}",
        tenants.get_shop(record.pk),
        order={"number": int(order.number), "currency": order.currency},
        items=emails.items(order, _counts(_plain(record.items))),
        status_url=record.status_url,
        parcel_days=int(terms["parcel_days"]),
        merchant_pays_shipping=terms["return_shipping_paid_by"] == "merchant",
        outcome={
            "amount": int(outcome.get("amount") or 0),
            "code": outcome.get("code"),
            "order_number": outcome.get("order_number"),
        },
        payment={"amount": int(payment.get("amount") or 0), "url": payment.get("url")},
    )


@workflows.task("returns.notify")
def notify(payload: dict) -> dict:
    """Emails the shopper once per event (`resolved` names the outcome: refunded, credited or exchanged)."""
    tenant_id, return_id = _ids(payload)
    record = _load(tenant_id, return_id)
    event = payload["event"]
    if event == "resolved":
        event = (
            record.status
            if record.status in RESOLVED.values()
            else (RESOLVED[record.resolution] if record.status == "closed" else None)
        )
        if event is None:
            return payload
    email = _email(record, event)
    if lifecycle.once_marked(  # claimed before sending, so a retried step never mails twice
        record, ReturnRecord.notified[event], lambda: notifications.send_email(to=record.email, email=email)
    ):
        _note(record, "email_sent", f"Emailed {record.email}: {email.subject}")
    return payload
