"""The admin's settings: the shop's profile, its custom domain, payments (Stripe Connect onboarding), shipping and
tax rates, the return policy, pickup locations and discount codes. Each page saves through the same schema and
domain function as its /api/admin route."""

import re
from dataclasses import dataclass

from chalice import Blueprint

from chalicelib import (
    admin_ui,
    domains,
    fulfilment,
    hosts,
    languages,
    money,
    payment_accounts,
    payments,
    return_policy,
    schemas,
    security_headers,
    shipping,
    shops,
    taxes,
    validation,
    web,
)
from chalicelib.api.merchant.auditing import (
    PAYMENTS,
    PICKUP_LOCATIONS,
    RETURN_POLICY,
    SHIPPING_RATES,
    SHOP,
    TAX_RATES,
    Audited,
)
from chalicelib.errors import Conflict, DomainError, Invalid, Unavailable

bp = Blueprint(__name__)
routes = web.Routes(bp)
audited = Audited(bp)


def _page(template: str, session, *, status: int = 200, **context):
    """A settings page: the section's nav, and the notice a redirect brought."""
    return admin_ui.section_page(bp.current_request, template, session, "settings", status=status, **context)


def _host() -> str:
    return web.host(bp.current_request)


def _errors(err: DomainError, noun: str | None = None) -> admin_ui.FormErrors:
    """The errors of a form whose one input holds a list (countries typed "US, CA"; one reason a line): an error
    at `rates[0].countries[1]` is shown next to `rates[0].countries`. In a table, the summary names the row as the
    page does: "Rate 1 countries"."""
    errors = admin_ui.FormErrors.of(err)
    errors.fields = {
        re.sub(r"(\[[0-9]+\])+$", "", name) if "." in name else name: m for name, m in errors.fields.items()
    }
    for name in errors.fields:
        row = re.match(r"[a-z_]+\[([0-9]+)\]\.(?:[a-z_]+\.)*([a-z_]+)$", name)
        if noun and row:
            errors.labels[name] = f"{noun} {int(row[1]) + 1} {row[2].replace('_', ' ')}"
    return errors


def _words(text: str, *, upper: bool = False) -> list[str]:
    """A list typed into one input: separated by commas, spaces or lines."""
    return [w.upper() if upper else w for w in re.split(r"[,\s]+", text) if w]


def _lines(text: str) -> list[str]:
    return [line.strip() for line in text.splitlines() if line.strip()]


@routes.admin("/admin/settings", summary="Settings: every part of the shop a merchant sets up, with where it stands")
def settings_index(session, form):
    shop = shops.to_dict(session.shop, _host())
    payments = payment_accounts.to_dict(payment_accounts.get(session.tenant_id))
    return _page("settings_index.html", session, shop=shop, payments=payments)


# The shop -----------------------------------------------------------------------------------------------------------


@routes.admin("/admin/settings/shop", summary="The shop's name, languages, currency and address")
def shop_page(session, form):
    return _shop_form(session, {"name": session.shop.name, "languages": languages.of_shop(session.shop)})


@routes.admin(
    "/admin/settings/shop",
    ["POST"],
    summary="Rename the shop, choose its languages (form: name, languages: primary first)",
)
@audited.page(SHOP, action="admin_shop_update")
def shop_save(session, form):
    values: dict = {"name": form.get("name")}
    if "languages" in form:  # the primary's select comes first, then the boxes of the others (the primary's is moot)
        values["languages"] = list(dict.fromkeys(form.list("languages")))
    try:
        shops.update(session.tenant_id, validation.check(values, schemas.SHOP_PATCH))
    except Invalid as err:
        errors = admin_ui.FormErrors.of(err)
        # A language the platform lacks ("languages[0]") is told at the one select, where it is chosen.
        errors.fields = {name.split("[")[0]: message for name, message in errors.fields.items()}
        return _shop_form(session, {"languages": languages.of_shop(session.shop), **values}, errors)
    return admin_ui.redirect("/admin/settings/shop", notice="saved")


def _shop_form(session, values: dict, errors=None):
    shop = shops.to_dict(session.shop, _host())
    return _page(
        "settings_shop.html",
        session,
        status=400 if errors else 200,
        shop=shop,
        values=values,
        errors=errors,
        languages=[(tag, languages.name_of(tag)) for tag in languages.SUPPORTED],
    )


# The custom domain --------------------------------------------------------------------------------------------------


@routes.admin("/admin/settings/domain", summary="The custom domain: its verification state and the TXT record to add")
def domain_page(session, form):
    return _domain_form(session, {"custom_domain": session.shop.custom_domain or ""})


@routes.admin(
    "/admin/settings/domain",
    ["POST"],
    summary="Attach a custom domain (form: custom_domain): pending until its TXT record is verified",
)
@audited.page(SHOP, action="admin_shop_update")
def domain_save(session, form):
    values = {"custom_domain": form.get("custom_domain").lower()}
    try:
        shops.update(session.tenant_id, validation.check(values, schemas.SHOP_PATCH))
    except (Invalid, Conflict) as err:
        return _domain_form(session, values, admin_ui.FormErrors.of(err), status=err.status)
    return admin_ui.redirect("/admin/settings/domain", notice="saved")


@routes.admin("/admin/settings/domain/verify", ["POST"], summary="Check the custom domain's DNS TXT record now")
@audited.page(SHOP, action="verify_domain")
def domain_verify(session, form):
    try:
        domains.verify(session.tenant_id)
    except Conflict as err:
        values = {"custom_domain": session.shop.custom_domain or ""}
        return _domain_form(session, values, admin_ui.FormErrors(err.message), status=err.status)
    return admin_ui.redirect("/admin/settings/domain", notice="domain_verified")


def _domain_form(session, values: dict, errors=None, *, status: int = 200):
    shop = shops.to_dict(session.shop, _host())
    return _page("settings_domain.html", session, status=status, shop=shop, values=values, errors=errors)


# Payments -----------------------------------------------------------------------------------------------------------


@routes.admin("/admin/settings/payments", summary="Payments: the Stripe account's state and what it still needs")
def payments_page(session, form):
    return _payments(session, {"country": "US"})


@routes.admin(
    "/admin/settings/payments",
    ["POST"],
    summary="Connect Stripe (form: country) or continue its onboarding: 303 to Stripe's onboarding page",
)
@audited.page(PAYMENTS, action="connect_payments")
def payments_onboarding(session, form):
    values = {"country": form.get("country", "US").upper()}
    back = f"{hosts.scheme()}://{_host()}/admin/settings/payments"
    try:
        if payment_accounts.get(session.tenant_id) is None:
            payment_accounts.connect(session.tenant_id, validation.check(values, schemas.PAYMENTS_CONNECT)["country"])
        link = validation.check({"return_url": back, "refresh_url": back}, schemas.PAYMENTS_LINK)
        answer = payment_accounts.onboarding_link(session.tenant_id, **link)
    except Invalid as err:
        return _payments(session, values, admin_ui.FormErrors.of(err))
    return admin_ui.redirect(answer["url"])


def _payments(session, values: dict, errors=None):
    """The account as Stripe says now; as last stored when Stripe cannot be reached."""
    unreachable = False
    try:
        account = payment_accounts.refresh(session.tenant_id)
    except Unavailable:
        account, unreachable = payment_accounts.to_dict(payment_accounts.get(session.tenant_id)), True
    page = _page(
        "settings_payments.html",
        session,
        status=400 if errors else 200,
        account=account,
        missing=_missing(account),
        unreachable=unreachable,
        values=values,
        errors=errors,
    )
    # Its form's answer redirects to Stripe's onboarding: the page's policy lets a form go there.
    page.headers["Content-Security-Policy"] = security_headers.content_security_policy((payments.onboarding_origin(),))
    return page


def _missing(account: dict) -> list[str]:
    """What stands between the shop and taking payments, in the merchant's words."""
    if not account["connected"]:
        return ["A Stripe account for the shop"]
    return [
        text
        for flag, text in (
            ("details_submitted", "Your business details, submitted to Stripe"),
            ("charges_enabled", "Stripe's approval to take card payments"),
            ("payouts_enabled", "A bank account Stripe can pay out to"),
        )
        if not account[flag]
    ]


# Tables edited in place ---------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class _Table:
    """A settings page that edits a table in place: a card per row, "add another" and "remove", one save of the
    whole table through its API's schema and domain function."""

    template: str
    prefix: str  # the inputs are prefix[i].column, the API's own paths
    columns: tuple[str, ...]
    noun: str  # how the error summary names a row: "Rate 1 amount"
    kept: tuple[str, ...] = ()  # columns a row may hold while blank (a hidden id)

    def page(self, session, rows: list[dict], *, extra: int = 0, errors=None, **context):
        """The table as `rows` (the form's text), with blank rows to fill in: `extra`, or one when it is empty."""
        rows = rows + [dict.fromkeys(self.columns, "")] * (extra or (0 if rows else 1))
        return _page(self.template, session, status=400 if errors else 200, rows=rows, errors=errors, **context)

    def save(self, session, form, payload_of, save, **context):
        """Reads the posted rows and saves `payload_of(rows, reading)` with `save(tenant_id, payload)` (the payload
        checked against the API's schema by `reading.check`); "add another" only shows one more blank row."""
        rows = admin_ui.table_rows(form, self.prefix, self.columns, kept=self.kept)
        if "add_row" in form:
            return self.page(session, rows, extra=1, **context)
        try:
            save(session.tenant_id, payload_of(rows, admin_ui.Reading(session.shop.currency)))
        except Invalid as err:
            return self.page(session, rows, errors=_errors(err, self.noun), **context)
        return admin_ui.redirect(bp.current_request.path, notice="saved")


def _present(name: str, value) -> dict:
    """A field of the API's payload that is only sent when the form gave it."""
    return {} if value is None else {name: value}


# Shipping rates -----------------------------------------------------------------------------------------------------

_RATES = _Table("settings_shipping.html", "rates", ("name", "amount", "countries", "free_over"), "Rate")


@routes.admin("/admin/settings/shipping", summary="Shipping rates: what delivery costs, by country")
def shipping_page(session, form):
    currency = session.shop.currency
    rates = [
        {
            "name": r["name"],
            "amount": money.amount_input(r["amount"], currency),
            "countries": ", ".join(r["countries"]),
            "free_over": money.amount_input(r["free_over"], currency),
        }
        for r in shipping.get(session.tenant_id)["rates"]
    ]
    return _RATES.page(session, rates)


@routes.admin(
    "/admin/settings/shipping",
    ["POST"],
    summary="Replace the shipping rates (form: rates[i].name, .amount, .countries, .free_over, .remove; add_row)",
)
@audited.page(SHIPPING_RATES, action="put_shipping_rates")
def shipping_save(session, form):
    def payload(rows, reading):
        rates = [
            {
                "name": row["name"],
                "amount": reading.amount(f"rates[{i}].amount", row["amount"]),
                "countries": _words(row["countries"], upper=True),
                **_present("free_over", reading.amount(f"rates[{i}].free_over", row["free_over"], required=False)),
            }
            for i, row in enumerate(rows)
        ]
        return reading.check({"rates": rates}, schemas.SHIPPING_RATES)

    return _RATES.save(session, form, payload, shipping.replace)


# Tax rates ----------------------------------------------------------------------------------------------------------

_TAXES = _Table("settings_taxes.html", "rates", ("country", "rate"), "Rate")


@routes.admin("/admin/settings/taxes", summary="Tax rates per destination country; prices with or without tax")
def taxes_page(session, form):
    table = taxes.get(session.tenant_id)
    rows = [{"country": r["country"], "rate": _percent(r["rate_bp"])} for r in table["rates"]]
    return _TAXES.page(session, rows, included=table["prices_include_tax"])


@routes.admin(
    "/admin/settings/taxes",
    ["POST"],
    summary="Replace the tax rates (form: prices_include_tax, rates[i].country, .rate (percent), .remove; add_row)",
)
@audited.page(TAX_RATES, action="put_tax_rates")
def taxes_save(session, form):
    included = "prices_include_tax" in form

    def payload(rows, reading):
        rates = [
            {"country": row["country"].upper(), "rate_bp": reading.percent_bp(f"rates[{i}].rate", row["rate"])}
            for i, row in enumerate(rows)
        ]
        return reading.check({"prices_include_tax": included, "rates": rates}, schemas.TAX_RATES)

    return _TAXES.save(session, form, payload, taxes.replace, included=included)


def _percent(rate_bp: int) -> str:
    whole, part = divmod(rate_bp, 100)
    return f"{whole}.{part:02d}".rstrip("0").rstrip(".") if part else str(whole)


# Pickup locations ---------------------------------------------------------------------------------------------------

_ADDRESS = ("line1", "line2", "city", "postal_code", "country")
_LOCATIONS = _Table(
    "settings_pickup.html",
    "locations",
    ("id", "name", *(f"address.{part}" for part in _ADDRESS), "hours"),
    "Location",
    kept=("id",),
)


@routes.admin("/admin/settings/pickup", summary="Pickup locations: where shoppers can collect their orders")
def pickup_page(session, form):
    rows = [
        {
            **dict.fromkeys(_LOCATIONS.columns, ""),
            "id": place["id"],
            "name": place["name"],
            **{f"address.{k}": v for k, v in place["address"].items()},
            "hours": place.get("hours", ""),
        }
        for place in fulfilment.pickup_locations(session.tenant_id)["locations"]
    ]
    return _LOCATIONS.page(session, rows)


@routes.admin(
    "/admin/settings/pickup",
    ["POST"],
    summary="Replace the pickup locations (form: locations[i].name, .address.line1 ..., .hours, .remove; add_row)",
)
@audited.page(PICKUP_LOCATIONS, action="put_pickup_locations")
def pickup_save(session, form):
    def payload(rows, reading):
        locations = [
            {
                **_present("id", row["id"] or None),
                "name": row["name"],
                "address": {
                    **{k: row[f"address.{k}"] for k in ("line1", "city", "postal_code")},
                    **_present("line2", row["address.line2"] or None),
                    "country": row["address.country"].upper(),
                },
                "hours": row["hours"],
            }
            for row in rows
        ]
        return reading.check({"locations": locations}, schemas.PICKUP_LOCATIONS)

    return _LOCATIONS.save(session, form, payload, fulfilment.replace_pickup_locations)


# The return policy --------------------------------------------------------------------------------------------------

_POLICY_SWITCHES = ("refund_original_shipping", "exchanges_allowed", "store_credit_allowed")


@routes.admin("/admin/settings/returns", summary="The return policy: window, approval, fees, final sale")
def returns_page(session, form):
    policy = return_policy.get(session.tenant_id)
    currency = session.shop.currency
    values = {
        **{k: str(policy[k]) for k in ("window_days", "restocking_fee_percent", "parcel_days")},
        **{k: policy[k] for k in ("approval", "return_shipping_paid_by", *_POLICY_SWITCHES)},
        "auto_approve.max_value": money.amount_input(policy["auto_approve"]["max_value"], currency),
        "auto_approve.reasons": "\n".join(policy["auto_approve"]["reasons"]),
        "final_sale_categories": "\n".join(policy["final_sale_categories"]),
    }
    return _returns_form(session, values, policy)


@routes.admin(
    "/admin/settings/returns",
    ["POST"],
    summary="Change the return policy's terms (form: window_days, approval, auto_approve.max_value, ...)",
)
@audited.page(RETURN_POLICY, action="patch_return_policy")
def returns_save(session, form):
    names = ("window_days", "restocking_fee_percent", "parcel_days", "approval", "return_shipping_paid_by")
    names += ("auto_approve.max_value", "auto_approve.reasons", "final_sale_categories")
    values = {**{n: form.get(n) for n in names}, **{n: n in form for n in _POLICY_SWITCHES}}
    reading = admin_ui.Reading(session.shop.currency)
    payload = {
        **{n: reading.whole(n, values[n]) for n in ("window_days", "restocking_fee_percent", "parcel_days")},
        **{n: values[n] for n in ("approval", "return_shipping_paid_by", *_POLICY_SWITCHES)},
        "auto_approve": {
            "max_value": reading.amount("auto_approve.max_value", values["auto_approve.max_value"], required=False),
            "reasons": _lines(values["auto_approve.reasons"]),
        },
        "final_sale_categories": _lines(values["final_sale_categories"]),
    }
    try:
        return_policy.update(session.tenant_id, reading.check(payload, schemas.RETURN_POLICY_PATCH))
    except Invalid as err:
        return _returns_form(session, values, return_policy.get(session.tenant_id), errors=_errors(err))
    return admin_ui.redirect("/admin/settings/returns", notice="saved")


def _returns_form(session, values: dict, policy: dict, *, errors=None):
    return _page(
        "settings_returns.html", session, status=400 if errors else 200, values=values, policy=policy, errors=errors
    )
