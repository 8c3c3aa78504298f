"""The admin's settings: the shop's profile, its custom domain, payments (Stripe Connect onboarding), shipping and
tax rates, the return policy, pickup locations and discount codes. Each page saves through the same schema and
domain function as its /api/admin route."""

from chalice import Blueprint

from chalicelib import (
    admin_ui,
    domains,
    hosts,
    payment_accounts,
    schemas,
    shops,
    validation,
    web,
)
from chalicelib.errors import Conflict, Invalid, Unavailable

bp = Blueprint(__name__)
routes = web.Routes(bp)


def _page(template: str, session, *, status: int = 200, **context):
    """A settings page: the section's nav, and the notice a redirect brought."""
    query = bp.current_request.query_params
    notice = admin_ui.notice(query.get("notice") if query else None)
    return admin_ui.render(template, session, status=status, nav="settings", notice=notice, **context)


def _host() -> str:
    return web.host(bp.current_request)


@routes.admin("/admin/settings", summary="Settings: every part of the shop a merchant sets up, with where it stands")
def settings_index(session, form):
    shop = shops.to_dict(session.shop, _host())
    payments = payment_accounts.to_dict(payment_accounts.get(session.tenant_id))
    return _page("settings_index.html", session, shop=shop, payments=payments)


# The shop -----------------------------------------------------------------------------------------------------------


@routes.admin("/admin/settings/shop", summary="The shop's name, currency and address")
def shop_page(session, form):
    return _shop_form(session, {"name": session.shop.name})


@routes.admin("/admin/settings/shop", ["POST"], summary="Rename the shop (form: name)")
def shop_save(session, form):
    values = {"name": form.get("name")}
    try:
        shops.update(session.tenant_id, validation.check(values, schemas.SHOP_PATCH))
    except Invalid as err:
        return _shop_form(session, values, admin_ui.FormErrors.of(err))
    return admin_ui.redirect("/admin/settings/shop", notice="saved")


def _shop_form(session, values: dict, errors=None):
    shop = shops.to_dict(session.shop, _host())
    return _page("settings_shop.html", session, status=400 if errors else 200, shop=shop, values=values, errors=errors)


# The custom domain --------------------------------------------------------------------------------------------------


@routes.admin("/admin/settings/domain", summary="The custom domain: its verification state and the TXT record to add")
def domain_page(session, form):
    return _domain_form(session, {"custom_domain": session.shop.custom_domain or ""})


@routes.admin(
    "/admin/settings/domain",
    ["POST"],
    summary="Attach a custom domain (form: custom_domain): pending until its TXT record is verified",
)
def domain_save(session, form):
    values = {"custom_domain": form.get("custom_domain").lower()}
    try:
        shops.update(session.tenant_id, validation.check(values, schemas.SHOP_PATCH))
    except (Invalid, Conflict) as err:
        return _domain_form(session, values, admin_ui.FormErrors.of(err), status=err.status)
    return admin_ui.redirect("/admin/settings/domain", notice="saved")


@routes.admin("/admin/settings/domain/verify", ["POST"], summary="Check the custom domain's DNS TXT record now")
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
    return _page(
        "settings_payments.html",
        session,
        status=400 if errors else 200,
        account=account,
        missing=_missing(account),
        unreachable=unreachable,
        values=values,
        errors=errors,
    )


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
