"""The orders screens: the index (payment and fulfilment filters, search by number or email, paging, and what
needs the merchant's attention), an order's page (lines, money, payment and refunds, fulfilments, timeline,
customer) and its actions: fulfil some items (shipped with tracking, or for pickup), move a fulfilment on,
cancel the order, refund. Each action builds the API's payload from the form, checks it against the API's
schema and calls the API's domain function."""

from urllib.parse import urlencode

from chalice import Blueprint, Response

from chalicelib import (
    admin_ui,
    attention,
    cancellation,
    cursors,
    fulfilment,
    keys,
    money,
    orders,
    refunds,
    schemas,
    validation,
    web,
)
from chalicelib.api.merchant import auditing
from chalicelib.errors import Invalid

bp = Blueprint(__name__)
routes = web.Routes(bp)
audited = auditing.Audited(bp)  # each write recorded as the API's route of the same action records it

FINANCIAL = [
    ("", "Any payment status"),
    ("pending", "Payment pending"),
    ("paid", "Paid"),
    ("partially_refunded", "Partially refunded"),
    ("refunded", "Refunded"),
]
FULFILLMENT = [
    ("", "Any fulfilment status"),
    ("unfulfilled", "Unfulfilled"),
    ("partial", "Partially fulfilled"),
    ("fulfilled", "Fulfilled"),
]
# A fulfilment's next steps as buttons: the status it moves to -> the button's words.
MOVES = {
    "in_transit": "Mark as shipped",
    "delivered": "Mark as delivered",
    "ready_for_pickup": "Mark as ready for pickup",
    "picked_up": "Mark as picked up",
    "cancelled": "Cancel fulfilment",
}


def _query() -> dict[str, str]:
    return dict(bp.current_request.query_params or {})


def _notice():
    return admin_ui.notice(_query().get("notice"))


def list_url(path: str, filters: dict, cursor: str | None = None) -> str:
    """An index page's address with its filters (and the page's cursor); empty filters left out."""
    params = {k: v for k, v in filters.items() if v}
    if cursor:
        params["cursor"] = cursor
    return path + ("?" + urlencode(params) if params else "")


def index_page(session, template: str, path: str, list_page, filter_names: tuple[str, ...], **context):
    """An index table: its filters read from the query, one page listed by `list_page(limit, cursor,
    **filters)`, links to the next and first pages. A filter or cursor the domain refuses (a hand-edited
    address) shows its error above an empty table."""
    query = _query()
    filters = {name: query.get(name, "").strip() for name in filter_names}
    errors = admin_ui.FormErrors()
    page: dict = {"items": [], "next": None}
    try:
        page = list_page(
            cursors.DEFAULT_LIMIT, query.get("cursor") or None, **{k: v or None for k, v in filters.items()}
        )
    except Invalid as err:
        errors = admin_ui.FormErrors.of(err)
    return admin_ui.render(
        template,
        session,
        status=400 if errors else 200,
        errors=errors,
        notice=_notice(),
        filters=filters,
        items=page["items"],
        next_url=list_url(path, filters, page["next"]) if page["next"] else None,
        first_url=list_url(path, filters) if query.get("cursor") else None,
        filtered=any(filters.values()),
        **context,
    )


@routes.admin("/admin/orders", summary="Orders: payment and fulfilment filters, search, paging, attention list")
def orders_index(session, form):
    return index_page(
        session,
        "orders_index.html",
        "/admin/orders",
        lambda limit, cursor, **filters: orders.list_orders(session.tenant_id, limit=limit, cursor=cursor, **filters),
        ("financial_status", "fulfillment_status", "q"),
        nav="orders",
        financial=FINANCIAL,
        fulfillment=FULFILLMENT,
        attention=attention.listing(session.tenant_id)["items"],
    )


@routes.admin(
    "/admin/attention/{kind}/{record_id}/resolve",
    ["POST"],
    summary="The merchant dealt with a record that needed attention: it leaves the list",
)
@audited.page(auditing.ATTENTION, "kind", "record_id", action="resolve_attention")
def mark_resolved(session, form, kind, record_id):
    attention.resolve(session.tenant_id, kind, record_id)
    return admin_ui.redirect("/admin/orders", notice="resolved")


# An order's page -----------------------------------------------------------------


def titles(order: dict) -> dict[str, str]:
    """Each variant of the order by the name the merchant knows it by."""
    return {l["variant_id"]: " - ".join(p for p in (l["title"], l["variant_title"]) if p) for l in order["lines"]}


def _order_view(tenant_id: str, order_id: str) -> tuple[object, dict]:
    record = orders.load(tenant_id, order_id)
    return record, orders.to_dict(record)


@routes.admin("/admin/orders/{order_id}", summary="An order: lines, money, payment, fulfilments, timeline, customer")
def order_detail(session, form, order_id):
    record, order = _order_view(session.tenant_id, order_id)
    shipped = any(f["status"] in fulfilment.HANDED_OVER for f in order["fulfilments"])
    moves = {
        f["id"]: [
            (status, MOVES[status])
            for status in MOVES
            if fulfilment.LIFECYCLES[f["method"]].allows(f["status"], status)
        ]
        for f in order["fulfilments"]
    }
    return admin_ui.render(
        "orders_show.html",
        session,
        nav="orders",
        notice=_notice(),
        order=order,
        titles=titles(order),
        refundable=refunds.refundable(record),
        can_fulfil=not order["cancelled_at"] and order["fulfillment_status"] != "fulfilled",
        can_cancel=not order["cancelled_at"] and not shipped,
        moves=moves,
        timeline=list(reversed(order["timeline"])),
    )


# Rows of units in a form ------------------------------------------------------------


def quantity(form, name: str, fields: dict[str, str]) -> int:
    """A whole number typed in a quantity box (blank is 0); a message next to the box otherwise."""
    text = form.get(name)
    if text == "":
        return 0
    if not (text.isascii() and text.isdigit()) or len(text) > 4:
        fields[name] = "Enter a whole number, like 2"
        return 0
    return int(text)


def on_rows(err: Invalid, prefix: str, names: list[str]) -> admin_ui.FormErrors:
    """The domain's or schema's errors about `prefix[k]` (the k-th unit sent) put next to the form's box
    `names[k]` that held it: only the boxes with units are sent, so the positions differ."""
    fields: dict[str, str] = {}
    for field, message in (err.fields or {}).items():
        for k, name in enumerate(names):
            if field.startswith(f"{prefix}[{k}]"):
                field = name
                break
        fields[field] = message
    return admin_ui.FormErrors(err.message, fields)


def unit_rows(form, prefix: str, lines: list[dict]) -> tuple[list[dict], list[str], dict[str, str]]:
    """The units a table of lines asks for: `{prefix}[i].quantity` per line i (blank or 0 leaves it out).
    Returns the payload's list, the box each entry came from, and the boxes' own errors."""
    units: list[dict] = []
    names: list[str] = []
    fields: dict[str, str] = {}
    for i, line in enumerate(lines):
        name = f"{prefix}[{i}].quantity"
        n = quantity(form, name, fields)
        if n:
            units.append({"variant_id": line["variant_id"], "quantity": n})
            names.append(name)
    return units, names, fields


# Fulfilling -------------------------------------------------------------------------


def _to_fulfil(order: dict) -> list[dict]:
    done: dict[str, int] = {}
    for f in order["fulfilments"]:
        if f["status"] not in orders.VOID_FULFILMENT_STATUSES:
            for item in f["items"]:
                done[item["variant_id"]] = done.get(item["variant_id"], 0) + item["quantity"]
    return [{**l, "left": l["quantity"] - done.get(l["variant_id"], 0)} for l in order["lines"]]


def _fulfil_page(session, order, values, errors=None, *, status=200):
    return admin_ui.render(
        "orders_fulfil.html",
        session,
        status=status,
        nav="orders",
        order=order,
        lines=_to_fulfil(order),
        locations=[(l["id"], l["name"]) for l in fulfilment.pickup_locations(session.tenant_id)["locations"]],
        values=values,
        errors=errors or admin_ui.FormErrors(),
    )


@routes.admin("/admin/orders/{order_id}/fulfil", summary="Fulfil items: the form (quantities, tracking or pickup)")
def fulfil_page(session, form, order_id):
    order = orders.get(session.tenant_id, order_id)
    lines = _to_fulfil(order)
    values = {f"items[{i}].quantity": str(max(l["left"], 0)) for i, l in enumerate(lines)}
    return _fulfil_page(session, order, {"method": "shipping", **values})


@routes.admin(
    "/admin/orders/{order_id}/fulfil",
    ["POST"],
    summary="Fulfil items (form: items[i].quantity, method, carrier, tracking_number, tracking_url, "
    "pickup_location_id)",
)
@audited.page(auditing.ORDER, "order_id", action="create_fulfilment")
def fulfil(session, form, order_id):
    order = orders.get(session.tenant_id, order_id)
    lines = _to_fulfil(order)
    names = ("method", "carrier", "tracking_number", "tracking_url", "pickup_location_id")
    values = {**{n: form.get(n) for n in names}, **{k: form.get(k) for k in form.values if k.startswith("items[")}}
    items, rows, fields = unit_rows(form, "items", lines)
    if not items and not fields:
        fields["items[0].quantity"] = "Choose at least one item to fulfil"
    if fields:
        return _fulfil_page(session, order, values, admin_ui.FormErrors(None, fields), status=400)
    payload: dict = {"items": items}
    if values["method"] == "pickup":
        payload["pickup_location_id"] = values["pickup_location_id"]
    else:
        payload.update({n: values[n] for n in ("carrier", "tracking_number", "tracking_url") if values[n]})
    try:
        data = validation.check(payload, schemas.FULFILMENT_CREATE)
        fulfilment.create(session.tenant_id, order_id, data)
    except Invalid as err:
        return _fulfil_page(session, order, values, on_rows(err, "items", rows), status=400)
    return admin_ui.redirect(f"/admin/orders/{order_id}", notice="fulfilled")


@routes.admin(
    "/admin/orders/{order_id}/fulfilments/{fulfilment_id}/status",
    ["POST"],
    summary="Move a fulfilment on (form: status; carrier, tracking_number when it ships)",
)
@audited.page(auditing.ORDER, "order_id", action="fulfilment_status")
def move_fulfilment_on(session, form, order_id, fulfilment_id):
    payload = {n: form.get(n) for n in ("status", "carrier", "tracking_number") if form.get(n)}
    data = validation.check(payload, schemas.FULFILMENT_STATUS_CHANGE)
    fulfilment.set_status(session.tenant_id, order_id, fulfilment_id, data)
    return admin_ui.redirect(f"/admin/orders/{order_id}", notice="saved")


# Cancelling -------------------------------------------------------------------------


def confirmed_reason(form, schema: dict, page) -> dict | Response:
    """A confirmation page's optional reason, checked by the API's schema: the API's payload, or the page again
    (`page(reason, errors)`) saying what is wrong with it."""
    payload = {"reason": form.get("reason")} if form.get("reason") else {}
    try:
        return validation.check(payload, schema)
    except Invalid as err:
        return page(form.get("reason"), admin_ui.FormErrors.of(err))


def _cancel_page(session, order_id, reason="", errors=None):
    record, order = _order_view(session.tenant_id, order_id)
    return admin_ui.render(
        "orders_cancel.html",
        session,
        status=400 if errors else 200,
        nav="orders",
        order=order,
        refundable=refunds.refundable(record),
        reason=reason,
        errors=errors or admin_ui.FormErrors(),
    )


@routes.admin("/admin/orders/{order_id}/cancel", summary="Cancel an order: the confirmation, with a reason")
def cancel_page(session, form, order_id):
    return _cancel_page(session, order_id)


@routes.admin(
    "/admin/orders/{order_id}/cancel",
    ["POST"],
    summary="Cancel an order (form: reason): refunds what was paid, puts the stock back",
)
@audited.page(auditing.ORDER, "order_id", action="cancel_order")
def cancel(session, form, order_id):
    data = confirmed_reason(form, schemas.ORDER_CANCEL, lambda *again: _cancel_page(session, order_id, *again))
    if isinstance(data, Response):
        return data
    cancellation.cancel(session.tenant_id, order_id, data.get("reason"))
    return admin_ui.redirect(f"/admin/orders/{order_id}", notice="cancelled")


# Refunding --------------------------------------------------------------------------


def _refund_page(session, order_id, values, errors=None, *, status=200):
    record, order = _order_view(session.tenant_id, order_id)
    refunded = refunds.refunded_units(record)
    lines = [{**l, "left": l["quantity"] - refunded.get(l["variant_id"], 0)} for l in order["lines"]]
    return admin_ui.render(
        "orders_refund.html",
        session,
        status=status,
        nav="orders",
        order=order,
        lines=lines,
        refundable=refunds.refundable(record),
        values=values,
        # A refund asked twice with the same key (a double click, the back button) is made once.
        refund_key=values.get("refund_key") or keys.new_id(),
        errors=errors or admin_ui.FormErrors(),
    )


@routes.admin("/admin/orders/{order_id}/refund", summary="Refund: the form (lines and quantities, or an amount)")
def refund_page(session, form, order_id):
    return _refund_page(session, order_id, {})


@routes.admin(
    "/admin/orders/{order_id}/refund",
    ["POST"],
    summary="Refund (form: lines[i].quantity, amount, reason, refund_key); never more than was paid",
)
@audited.page(auditing.ORDER, "order_id", action="create_refund")
def refund(session, form, order_id):
    order = orders.get(session.tenant_id, order_id)
    values = {k: form.get(k) for k in form.values if k != "csrf_token"}
    lines, rows, fields = unit_rows(form, "lines", order["lines"])
    payload: dict = {"lines": lines} if lines else {}
    if form.get("amount"):
        amount = money.parse_amount(form.get("amount"), order["currency"])
        if amount is None:
            fields["amount"] = (
                f"Enter an amount in {order['currency']}, like {money.amount_input(1250, order['currency'])}"
            )
        else:
            payload["amount"] = amount
    if form.get("reason"):
        payload["reason"] = form.get("reason")
    try:
        if fields:
            raise Invalid("Check the refund", fields)
        data = validation.check(payload, schemas.REFUND_CREATE)
        refunds.manual(session.tenant_id, order_id, data, form.get("refund_key"))
    except Invalid as err:
        return _refund_page(session, order_id, values, on_rows(err, "lines", rows), status=400)
    return admin_ui.redirect(f"/admin/orders/{order_id}", notice="refunded")
