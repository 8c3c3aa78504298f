"""The admin's online store: the theme (pick one; its settings as a form drawn from the theme's settings schema,
beside a live preview of the shop) and the template editor (the merchant's own versions of their theme's
templates, the draft's preview, publishing, versions and rollback). Each form goes through the same domain
function and schema as its /api/admin route (shops.update with PATCH /api/admin/shop's schema; theme_edits)."""

from chalice import Blueprint

from chalicelib import admin_ui, media, schemas, shops, theme_edits, themes, validation, web
from chalicelib.api.merchant.auditing import SHOP, THEME_TEMPLATES, Audited
from chalicelib.api.merchant.theme_templates import preview_link
from chalicelib.errors import Conflict, Invalid

bp = Blueprint(__name__)
routes = web.Routes(bp)
audited = Audited(bp)


def _page(page: str, session, *, status: int = 200, **context):
    return admin_ui.section_page(bp.current_request, page, session, "store", status=status, **context)


def _preview(session) -> dict:
    return preview_link(session.tenant_id, web.host(bp.current_request))


# The theme ------------------------------------------------------------------------------------------------------


@routes.admin("/admin/store", summary="The shop's theme: pick one, tune its settings, see the shop as it will look")
def theme_page(session, form):
    return _theme_form(session, themes.settings_of(session.shop))


def _theme_form(session, values: dict, errors=None, status: int = 200):
    current = themes.of(session.shop)
    return _page(
        "store_theme.html",
        session,
        status=status,
        errors=errors,
        themes=themes.all_themes(),
        theme=current,
        fields=[_field(name, spec, values.get(name)) for name, spec in current.fields.items()],
        images=_images(session.tenant_id, values),
        preview=_preview(session),
    )


def _images(tenant_id: str, values: dict) -> list[tuple[str, str]]:
    """What an image setting (the logo) offers: none, or one of the shop's processed uploads by its file name
    (the first 100; a key already chosen stays offered)."""
    ready = [i["key"] for i in media.list_media(tenant_id, limit=100, cursor=None)["items"] if i["status"] == "ready"]
    chosen = [v for v in values.values() if isinstance(v, str) and v.startswith(media.tenant_prefix(tenant_id))]
    keys = list(dict.fromkeys(ready + chosen))
    return [("", "None"), *((key, key.rsplit("/", 1)[-1].split("-", 1)[-1]) for key in keys)]


def _field(name: str, spec: dict, value) -> dict:
    """One setting as the form draws it: `kind` picks the input (colour, choice, sections, media, flag, number,
    text), `input` is its name in the form and in the API's error paths (theme.settings.<name>)."""
    labels = spec.get("x-labels", {})
    declared = spec.get("type")
    types: list = declared if isinstance(declared, list) else [declared]
    if spec.get("format") == "color":
        kind = "colour"
    elif "enum" in spec:
        kind = "choice"
    elif "array" in types:
        kind = "sections"
    elif spec.get("format") == "media-key":
        kind = "media"
    elif "boolean" in types:
        kind = "flag"
    elif "integer" in types:
        kind = "number"
    else:
        kind = "text"
    options = spec.get("enum") or spec.get("items", {}).get("enum") or []
    return {
        "name": name,
        "input": f"theme.settings.{name}",
        "label": spec.get("title", name),
        "kind": kind,
        "value": value,
        "options": [(o, labels.get(o, str(o))) for o in options],
        "maxlength": spec.get("maxLength"),
        "long": (spec.get("maxLength") or 0) > 200,
        # sections: each one's place ("1" first, "" hidden), and the places to choose from
        "placed": {o: str(i + 1) for i, o in enumerate(value)} if isinstance(value, list) else {},
        "positions": [("", "Hidden"), *((str(i), str(i)) for i in range(1, len(options) + 1))],
    }


def _read_settings(theme, form) -> dict:
    """The form's settings in the API's shape: sections ordered by the positions chosen (blank: left out),
    whole numbers and flags as such, an empty media key as none. What does not read is left for the schema."""
    values: dict = {}
    for name, spec in theme.fields.items():
        field = _field(name, spec, None)
        text = form.get(field["input"])
        if field["kind"] == "sections":
            placed = [(form.get(f"{field['input']}.{o}"), o) for o, _ in field["options"]]
            chosen = sorted((int(p), o) for p, o in placed if p.isdigit())
            values[name] = [o for _, o in chosen]
        elif field["kind"] == "flag":
            values[name] = field["input"] in form
        elif field["kind"] == "number":
            values[name] = int(text) if text.lstrip("-").isdigit() else text
        elif field["kind"] == "media":
            values[name] = text or None
        elif field["input"] in form:
            values[name] = text
    return values


@routes.admin("/admin/store/theme", ["POST"], summary="Switch the shop's theme (form: name); each keeps its settings")
@audited.page(SHOP, action="admin_shop_update")
def theme_switch(session, form):
    try:
        shops.update(session.tenant_id, validation.check({"theme": {"name": form.get("name")}}, schemas.SHOP_PATCH))
    except Invalid as err:
        return _theme_form(session, themes.settings_of(session.shop), admin_ui.FormErrors.of(err), err.status)
    return admin_ui.redirect("/admin/store", notice="theme_switched")


@routes.admin(
    "/admin/store/settings",
    ["POST"],
    summary="Save the theme's settings (form: theme.settings.<setting>, as the theme's settings schema names them)",
)
@audited.page(SHOP, action="admin_shop_update")
def theme_settings_save(session, form):
    theme = themes.of(session.shop)
    values = _read_settings(theme, form)
    try:
        shops.update(session.tenant_id, validation.check({"theme": {"settings": values}}, schemas.SHOP_PATCH))
    except Invalid as err:
        return _theme_form(session, values, admin_ui.FormErrors.of(err), err.status)
    return admin_ui.redirect("/admin/store", notice="saved")


# The template editor ----------------------------------------------------------------------------------------------


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
        theme=themes.of(session.shop),
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
        edited=found,
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
