"""The admin's policies page: the privacy policy and terms of service the shop's /policies pages show, saved
through the same schema and function as PUT /api/admin/policies. The refund and shipping policies are written
from the return policy and shipping rates, so the page links there instead."""

from chalice import Blueprint

from chalicelib import admin_ui, hosts, policies, schemas, validation, web
from chalicelib.api.merchant.auditing import POLICIES, Audited
from chalicelib.errors import Invalid

bp = Blueprint(__name__)
routes = web.Routes(bp)
audited = Audited(bp)


@routes.admin("/admin/settings/policies", summary="The shop's privacy policy and terms of service")
def policies_page(session, form):
    return _form(session, policies.get(session.tenant_id))


@routes.admin("/admin/settings/policies", ["POST"], summary="Save the privacy policy and terms (form: privacy, terms)")
@audited.page(POLICIES, action="put_policies")
def policies_save(session, form):
    values = {kind: form.get(kind) for kind in policies.WRITTEN}
    try:
        policies.replace(session.tenant_id, validation.check(values, schemas.POLICIES_PUT))
    except Invalid as err:
        return _form(session, values, admin_ui.FormErrors.of(err))
    return admin_ui.redirect("/admin/settings/policies", notice="saved")


def _form(session, values: dict, errors=None):
    query = bp.current_request.query_params
    return admin_ui.render(
        "settings_policies.html",
        session,
        status=400 if errors else 200,
        nav="settings",
        notice=admin_ui.notice(query.get("notice") if query else None),
        values=values,
        errors=errors,
        storefront_url=hosts.storefront_url(session.shop, web.host(bp.current_request)),
    )
