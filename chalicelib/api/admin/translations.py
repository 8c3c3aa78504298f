"""The admin's translations of a product: its title, description and handle in each of the shop's other languages,
one form per language, each saved through the API's own schema and function (product_translations)."""

from chalice import Blueprint

from chalicelib import admin_ui, catalog, languages, product_translations, schemas, validation, web
from chalicelib.api.merchant.auditing import PRODUCT, Audited
from chalicelib.errors import Invalid

bp = Blueprint(__name__)
routes = web.Routes(bp)
audited = Audited(bp)


@routes.admin(
    "/admin/products/{product_id}/translations",
    summary="A product in the shop's other languages: a title, description and handle for each",
)
def translations_page(session, form, product_id):
    product = catalog.get_product(session.tenant_id, product_id)
    return _page(session, product, {tag: _values(product, tag) for tag in languages.of_shop(session.shop)[1:]})


@routes.admin(
    "/admin/products/{product_id}/translations",
    ["POST"],
    summary="Save a product's words in one language (form: language, title, description, handle; no title drops it)",
)
@audited.page(PRODUCT, "product_id", action="translate_product")
def save_translation(session, form, product_id):
    language = form.get("language")
    values = {"title": form.get("title"), "description": form.get("description"), "handle": form.get("handle")}
    try:
        if not values["title"] and not values["handle"]:
            product_translations.untranslate(session.shop, product_id, language)
        else:
            payload = validation.check({k: v for k, v in values.items() if v}, schemas.PRODUCT_TRANSLATION)
            product_translations.translate(session.shop, product_id, language, payload)
    except Invalid as err:
        product = catalog.get_product(session.tenant_id, product_id)
        forms = {tag: _values(product, tag) for tag in languages.of_shop(session.shop)[1:]}
        forms[language] = values
        return _page(session, product, forms, language, admin_ui.FormErrors.of(err), status=400)
    return admin_ui.redirect(f"/admin/products/{product_id}/translations", notice="saved")


def _values(product: dict, language: str) -> dict:
    entry = product["translations"].get(language) or {}
    return {"title": entry.get("title", ""), "description": entry.get("description", ""), "handle": entry.get("handle")}


def _page(session, product: dict, forms: dict, failed: str | None = None, errors=None, *, status: int = 200):
    """`failed`: the language whose form came back with `errors`."""
    return admin_ui.render(
        "products_translations.html",
        session,
        status=status,
        nav="products",
        product=product,
        forms=[
            (tag, languages.name_of(tag), values, errors if tag == failed else None) for tag, values in forms.items()
        ],
        notice=admin_ui.notice(web.query(bp.current_request, "notice")),
    )
