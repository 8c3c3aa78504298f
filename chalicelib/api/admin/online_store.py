"""The admin's online store: the template editor (the merchant's own versions of their theme's templates, the
draft's preview, publishing, versions and rollback). Each form goes through the same domain function as its
/api/admin/theme route (theme_edits)."""

from chalice import Blueprint

from chalicelib import admin_ui, schemas, theme_edits, validation, web
from chalicelib.api.merchant.auditing import THEME_TEMPLATES, Audited
from chalicelib.api.merchant.theme_templates import preview_link
from chalicelib.errors import Conflict, Invalid

bp = Blueprint(__name__)
routes = web.Routes(bp)
audited = Audited(bp)


def _page(template: str, session, *, status: int = 200, **context):
    query = bp.current_request.query_params
    notice = admin_ui.notice(query.get("notice") if query else None)
    return admin_ui.render(template, session, status=status, nav="store", notice=notice, **context)


def _preview(session) -> dict:
    return preview_link(session.tenant_id, web.host(bp.current_request))


@routes.admin(
    "/admin/store/templates",
    summary="The template editor: the theme's templates, which the draft edits, publishing, versions and rollback",
)
def templates_page(session, form):
    return _templates(session)


def _templates(session, errors=None, status: int = 200):
    return _page(
        "store_templates.html",
        session,
        status=status,
        errors=errors,
        templates=theme_edits.templates(session.tenant_id),
        versions=theme_edits.versions(session.tenant_id),
        preview=_preview(session),
    )


@routes.admin("/admin/store/templates/{template}", summary="Edit a template: the draft's version, or the theme's")
def template_page(session, form, template):
    found = theme_edits.template(session.tenant_id, template)
    return _editor(session, found, found["source"])


def _editor(session, found: dict, source: str, errors=None):
    return _page(
        "store_template_edit.html",
        session,
        status=400 if errors else 200,
        errors=errors,
        template=found,
        source=source,
        preview=_preview(session),
    )


@routes.admin(
    "/admin/store/templates/{template}",
    ["POST"],
    summary="Save the draft's version of a template (form: source): refused with the line and reason when it fails",
)
@audited.page(THEME_TEMPLATES, action="put_theme_template")
def template_save(session, form, template):
    source = form.values.get("source", [""])[0].replace("\r\n", "\n")  # a textarea posts CRLF lines
    try:
        theme_edits.save(
            session.tenant_id, template, validation.check({"source": source}, schemas.TEMPLATE_SOURCE)["source"]
        )
    except (Invalid, Conflict) as err:
        return _editor(session, theme_edits.template(session.tenant_id, template), source, admin_ui.FormErrors.of(err))
    return admin_ui.redirect(f"/admin/store/templates/{template}", notice="draft_saved")


@routes.admin(
    "/admin/store/templates/{template}/discard",
    ["POST"],
    summary="Drop the draft's version of a template: the theme's own again once published",
)
@audited.page(THEME_TEMPLATES, action="discard_theme_template")
def template_discard(session, form, template):
    theme_edits.discard(session.tenant_id, template)
    return admin_ui.redirect(f"/admin/store/templates/{template}", notice="draft_discarded")


@routes.admin("/admin/store/publish", ["POST"], summary="Publish the draft: it goes live as the next version")
@audited.page(THEME_TEMPLATES, action="publish_theme")
def publish(session, form):
    try:
        theme_edits.publish(session.tenant_id, session.email or "")
    except Conflict as err:
        return _templates(session, admin_ui.FormErrors(err.message), err.status)
    return admin_ui.redirect("/admin/store/templates", notice="theme_published")


@routes.admin("/admin/store/rollback", ["POST"], summary="Make a published version live again (form: version)")
@audited.page(THEME_TEMPLATES, action="rollback_theme")
def rollback(session, form):
    text = form.get("version")
    try:
        version = validation.check({"version": int(text) if text.isdigit() else text}, schemas.THEME_ROLLBACK)
        theme_edits.rollback(session.tenant_id, version["version"])
    except (Invalid, Conflict) as err:
        return _templates(session, admin_ui.FormErrors(err.message), err.status)
    return admin_ui.redirect("/admin/store/templates", notice="rolled_back")
