"""The merchant's own versions of their theme's templates (theme_edits): the draft, its preview link, publishing,
the published versions and rollback."""

from chalice import Blueprint

from chalicelib import hosts, schemas, tenants, theme_edits, web
from chalicelib.api.merchant.auditing import THEME_TEMPLATES, Audited

bp = Blueprint(__name__)
routes = web.Routes(bp)
audited = Audited(bp)


@routes.api(
    "/api/admin/theme/templates",
    summary="The templates of the shop's theme: which the draft or the live version edits, and conflicts",
    response=schemas.THEME_TEMPLATES,
    tag="admin",
)
def list_theme_templates():
    return web.json_response(theme_edits.templates(web.merchant_tenant(bp.current_request)))


@routes.api(
    "/api/admin/theme/templates/{template}",
    summary="A template as the draft has it, the theme's own, and the conflict between them when the theme changed",
    response=schemas.THEME_TEMPLATE,
    tag="admin",
)
def get_theme_template(template):
    return web.json_response(theme_edits.template(web.merchant_tenant(bp.current_request), template))


@routes.api(
    "/api/admin/theme/templates/{template}",
    ["PUT"],
    summary="Save the draft's version of a template: 400 naming line and reason when it does not compile, is "
    "refused by the sandbox or a page fails to render with it",
    request=schemas.TEMPLATE_SOURCE,
    response=schemas.THEME_TEMPLATE,
    tag="admin",
)
@audited(THEME_TEMPLATES)
def put_theme_template(template):
    request = bp.current_request
    source = web.body(request, schemas.TEMPLATE_SOURCE)["source"]
    return web.json_response(theme_edits.save(web.merchant_tenant(request), template, source))


@routes.api(
    "/api/admin/theme/templates/{template}",
    ["DELETE"],
    summary="Drop the draft's version of a template (the theme's own again once published)",
    response=schemas.THEME_TEMPLATE,
    tag="admin",
)
@audited(THEME_TEMPLATES)
def discard_theme_template(template):
    return web.json_response(theme_edits.discard(web.merchant_tenant(bp.current_request), template))


@routes.api(
    "/api/admin/theme/preview",
    ["POST"],
    summary="A link to the storefront as the draft renders it, for whoever the merchant gives it to, until it expires",
    response=schemas.THEME_PREVIEW,
    status=201,
    tag="admin",
)
@audited.exempt("a signed, expiring link to the draft: nothing of the shop changes")
def preview_theme():
    request = bp.current_request
    tenant_id = web.merchant_tenant(request)
    return web.json_response(preview_link(tenant_id, web.host(request)), 201)


def preview_link(tenant_id: str, request_host: str) -> dict:
    """{url, expires_at}: the shop's home page as the draft renders it, on the request's host (the admin's, so
    the admin may frame it)."""
    link = theme_edits.preview_token(tenant_id)
    url = hosts.storefront_url(tenants.get_shop(tenant_id), request_host)
    return {"url": f"{url}?preview={link['token']}", "expires_at": link["expires_at"]}


@routes.api(
    "/api/admin/theme/publish",
    ["POST"],
    summary="The draft goes live as the next version; 409 when it is what is live",
    response=schemas.THEME_PUBLISHED,
    tag="admin",
)
@audited(THEME_TEMPLATES)
def publish_theme():
    request = bp.current_request
    return web.json_response(theme_edits.publish(web.merchant_tenant(request), web.bearer(request)["email"]))


@routes.api(
    "/api/admin/theme/versions",
    summary="The published versions of the theme's templates, newest first, the live one marked",
    response=schemas.THEME_VERSIONS,
    tag="admin",
)
def theme_versions():
    return web.json_response(theme_edits.versions(web.merchant_tenant(bp.current_request)))


@routes.api(
    "/api/admin/theme/rollback",
    ["POST"],
    summary="Make a published version live again (0: the theme's own templates)",
    request=schemas.THEME_ROLLBACK,
    response=schemas.THEME_LIVE,
    tag="admin",
)
@audited(THEME_TEMPLATES)
def rollback_theme():
    request = bp.current_request
    version = web.body(request, schemas.THEME_ROLLBACK)["version"]
    return web.json_response(theme_edits.rollback(web.merchant_tenant(request), version))
