"""The admin's discount codes (a part of Settings): the list with each code's state, create, edit its terms, and
deactivate (a confirm page). The same schemas and domain functions as /api/admin/discounts."""

from chalice import Blueprint

from chalicelib import admin_ui, clock, discounts, money, pricing, schemas, web
from chalicelib.api.merchant.auditing import DISCOUNT, Audited, screen_change
from chalicelib.errors import Conflict, Invalid

bp = Blueprint(__name__)
routes = web.Routes(bp)
audited = Audited(bp)

TYPES = [
    (pricing.PERCENTAGE, "Percentage off the order"),
    (pricing.FIXED_AMOUNT, "Amount off the order"),
    (pricing.FREE_SHIPPING, "Free shipping"),
]
_TERMS = ("value", "starts_at", "ends_at", "usage_limit", "minimum_subtotal")


def _page(template: str, session, *, status: int = 200, **context):
    return admin_ui.section_page(bp.current_request, template, session, "settings", status=status, **context)


@routes.admin("/admin/settings/discounts", summary="Discount codes: each with its terms, uses and state")
def discount_index(session, form):
    now = clock.now_iso()
    items = [{**d, "state": state(d, now)} for d in discounts.list_discounts(session.tenant_id)["items"]]
    items.sort(key=lambda d: d["created_at"], reverse=True)
    return _page("settings_discounts.html", session, discounts=items)


def state(discount: dict, now: str) -> str:
    """Where a discount stands, as the list shows it: scheduled, active, used up or ended."""
    if discount["ends_at"] and discount["ends_at"] <= now:
        return "ended"
    if discount["starts_at"] and discount["starts_at"] > now:
        return "scheduled"
    if discount["usage_limit"] is not None and discount["times_used"] >= discount["usage_limit"]:
        return "used up"
    return "active"


@routes.admin("/admin/settings/discounts/new", summary="Create a discount code: the form")
def discount_new_page(session, form):
    blank = {"code": "", "type": pricing.PERCENTAGE, **dict.fromkeys(_TERMS, ""), "once_per_customer": False}
    return _editor(session, None, blank)


@routes.admin(
    "/admin/settings/discounts/new",
    ["POST"],
    summary="Create a discount code (form: code, type, value, starts_at, ends_at, usage_limit, minimum_subtotal, ...)",
)
@audited.creates(DISCOUNT)
def discount_create(session, form):
    values = {**_values(form), "code": form.get("code"), "type": form.get("type")}
    try:
        data = _payload(session, values, values["type"], schemas.DISCOUNT_CREATE)
        create = lambda: discounts.create(session.tenant_id, data)  # noqa: E731
        screen_change(session, "create_discount", DISCOUNT, None, create, created="id")
    except (Invalid, Conflict) as err:
        return _editor(session, None, values, admin_ui.FormErrors.of(err), status=err.status)
    return admin_ui.redirect("/admin/settings/discounts", notice="created")


@routes.admin("/admin/settings/discounts/{code}", summary="A discount code: its terms, to edit")
def discount_page(session, form, code):
    discount = discounts.get(session.tenant_id, code)
    currency = session.shop.currency
    values = {
        "value": _value_input(discount, currency),
        "starts_at": _local(discount["starts_at"]),
        "ends_at": _local(discount["ends_at"]),
        "usage_limit": "" if discount["usage_limit"] is None else str(discount["usage_limit"]),
        "minimum_subtotal": money.amount_input(discount["minimum_subtotal"], currency),
        "once_per_customer": discount["once_per_customer"],
    }
    return _editor(session, discount, values)


@routes.admin(
    "/admin/settings/discounts/{code}",
    ["POST"],
    summary="Change a discount's terms (form: value, starts_at, ends_at, usage_limit, minimum_subtotal, ...)",
)
@audited.page(DISCOUNT, "code", action="update_discount")
def discount_update(session, form, code):
    discount = discounts.get(session.tenant_id, code)
    values = _values(form)
    try:
        discounts.update(session.tenant_id, code, _payload(session, values, discount["type"], schemas.DISCOUNT_PATCH))
    except Invalid as err:
        return _editor(session, discount, values, admin_ui.FormErrors.of(err), status=400)
    return admin_ui.redirect(f"/admin/settings/discounts/{discount['id']}", notice="saved")


@routes.admin("/admin/settings/discounts/{code}/deactivate", summary="Deactivate a discount: the confirm page")
def discount_deactivate_page(session, form, code):
    return _page("settings_discount_deactivate.html", session, discount=discounts.get(session.tenant_id, code))


@routes.admin(
    "/admin/settings/discounts/{code}/deactivate",
    ["POST"],
    summary="Deactivate a discount: it ends now, checkouts from now on refuse it",
)
@audited.page(DISCOUNT, "code", action="deactivate_discount")
def discount_deactivate(session, form, code):
    discounts.deactivate(session.tenant_id, code)
    return admin_ui.redirect("/admin/settings/discounts", notice="discount_deactivated")


def _values(form) -> dict:
    return {**{name: form.get(name) for name in _TERMS}, "once_per_customer": "once_per_customer" in form}


def _payload(session, values: dict, kind: str, schema: dict) -> dict:
    """The API's body from the form: the value in whole percent or an amount as the type wants; dates as typed
    (UTC); a term left blank is absent when creating and cleared when editing."""
    reading = admin_ui.Reading(session.shop.currency)
    value = None
    if kind == pricing.PERCENTAGE:
        value = reading.whole("value", values["value"])
    elif kind == pricing.FIXED_AMOUNT:
        value = reading.amount("value", values["value"])
    terms = {
        "starts_at": values["starts_at"] or None,
        "ends_at": values["ends_at"] or None,
        "usage_limit": reading.whole("usage_limit", values["usage_limit"], required=False),
        "minimum_subtotal": reading.amount("minimum_subtotal", values["minimum_subtotal"], required=False),
    }
    payload = {
        **({"value": value} if value is not None else {}),
        **({k: v for k, v in terms.items() if v is not None} if schema is schemas.DISCOUNT_CREATE else terms),
        "once_per_customer": values["once_per_customer"],
    }
    if schema is schemas.DISCOUNT_CREATE:
        payload |= {"code": values["code"], "type": kind}
    return reading.check(payload, schema)


def _value_input(discount: dict, currency: str) -> str:
    if discount["type"] == pricing.FIXED_AMOUNT:
        return money.amount_input(discount["value"], currency)
    return str(discount["value"]) if discount["type"] == pricing.PERCENTAGE else ""


def _local(instant: str | None) -> str:
    """A stored instant as a date-time input shows it (UTC, to the minute)."""
    return instant[:16] if instant else ""


def _editor(session, discount: dict | None, values: dict, errors=None, *, status: int = 200):
    return _page(
        "settings_discount.html",
        session,
        status=status,
        discount=discount,
        values=values,
        types=TYPES,
        errors=errors,
    )
