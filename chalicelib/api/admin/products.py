"""The admin's products: the index (search, status filter, paging, rows ticked for a bulk action), create and
edit, publish and unpublish, delete after a confirm page. Every read and write is the merchant API's own
(catalog, product_editing) with its schemas: the form's values become the API's payload first."""

import re
from urllib.parse import urlencode

from chalice import Blueprint

from chalicelib import admin_ui, audit, bulk_changes, catalog, media, money, product_editing, schemas, validation, web
from chalicelib.api.merchant.auditing import MEDIA, PRODUCT, Audited, screen_change
from chalicelib.api.merchant.catalogue import product_filters, start_upload
from chalicelib.errors import Conflict, DomainError, Invalid

bp = Blueprint(__name__)
routes = web.Routes(bp)
audited = Audited(bp)
PAGE_SIZE = 25
STATUS_FILTERS = [("", "All"), ("active", "Active"), ("draft", "Draft")]
# The bulk edits a merchant can start on the ticked rows (the bulk edit pages take it from there).
BULK_ACTIONS = [(action, action.replace("_", " ").capitalize()) for action in bulk_changes.ACTIONS]


@routes.admin("/admin/products", summary="Products: search, filter by status, page; tick rows for a bulk edit")
def product_index(session, form):
    request = bp.current_request
    query = request.query_params or {}
    filters = {"q": query.get("q", "").strip(), "status": query.get("status", "")}
    args = {**product_filters(request), "limit": PAGE_SIZE}
    page = catalog.list_products(session.tenant_id, active_only=False, **args)
    here = {k: v for k, v in filters.items() if v}
    return admin_ui.render(
        "products_index.html",
        session,
        nav="products",
        notice=admin_ui.notice(query.get("notice")),
        products=page["items"],
        filters=filters,
        filtered=bool(here),
        statuses=STATUS_FILTERS,
        bulk_actions=BULK_ACTIONS,
        next_url=_index_url(here, cursor=page["next"]) if page["next"] else None,
        first_url=_index_url(here) if query.get("cursor") else None,
    )


def _index_url(filters: dict, **more) -> str:
    params = {**filters, **more}
    return "/admin/products" + ("?" + urlencode(params) if params else "")


# Create and edit ----------------------------------------------------------------------------------------------------

MAX_OPTIONS = 3  # the schema's maxProperties of a variant's options
MEDIA_SHOWN = 100  # the picker offers the shop's first uploads; a product's own images always show
_ROW = re.compile(r"^(variants|images)\[(\d{1,3})\]\.")


@routes.admin("/admin/products/new", summary="Add a product: the form")
def new_product_page(session, form):
    draft = {**_blank_draft(), "images": _pickable(session.tenant_id, [])}
    return _editor(session, draft, None)


@routes.admin(
    "/admin/products/new",
    ["POST"],
    summary="Add a product (form: title, description, handle, status, category, seo.*, option_names[k], "
    "variants[i].*, images[j].*); add_variant shows one more row instead",
)
@audited.creates(PRODUCT)
def add_product(session, form):
    draft = _draft_from(form)
    if "add_variant" in form:
        return _editor(session, _with_blank_row(draft), None)
    tenant_id, currency = session.tenant_id, session.shop.currency

    def create(data):
        write = lambda: product_editing.create_product(tenant_id, currency, data)  # noqa: E731
        return screen_change(session, "create_product", PRODUCT, None, write, created="id")

    try:
        product = _submit(draft, currency, schemas.PRODUCT_CREATE, create)
    except Invalid as err:
        return _editor(session, draft, None, admin_ui.FormErrors.of(err), status=400)
    return admin_ui.redirect(f"/admin/products/{product['id']}", notice="created")


@routes.admin("/admin/products/{product_id}", summary="A product: the edit form")
def edit_product_page(session, form, product_id):
    product = catalog.get_product(session.tenant_id, product_id)
    notice = admin_ui.notice((bp.current_request.query_params or {}).get("notice"))
    return _editor(session, _draft_of(session.tenant_id, product), product, notice=notice)


@routes.admin(
    "/admin/products/{product_id}",
    ["POST"],
    summary="Save a product (the add form's fields, variants[i].id and variants[i].remove); add_variant shows "
    "one more row instead",
)
@audited.page(PRODUCT, "product_id", action="update_product")
def save_product(session, form, product_id):
    tenant_id = session.tenant_id
    product = catalog.get_product(tenant_id, product_id)  # another shop's id: 404 before anything
    draft = _draft_from(form)
    if "add_variant" in form:
        return _editor(session, _with_blank_row(draft), product)
    removed = [v["id"] for v in draft["variants"] if v["id"] and v["remove"]]

    def save(patch):
        if not patch["variants"]:
            raise Invalid("A product needs at least one variant", {"variants": "keep at least one variant"})
        product_editing.update_product(tenant_id, product_id, patch)
        for variant_id in removed:
            product_editing.delete_variant(tenant_id, product_id, variant_id)

    try:
        _submit(draft, product["currency"], schemas.PRODUCT_PATCH, save)
    except Invalid as err:
        return _editor(session, draft, product, admin_ui.FormErrors.of(err), status=400)
    return admin_ui.redirect(f"/admin/products/{product_id}", notice="saved")


def _editor(session, draft: dict, product: dict | None, errors=None, *, status: int = 200, notice=None):
    return admin_ui.render(
        "products_edit.html",
        session,
        status=status,
        nav="products",
        notice=notice,
        product=product,
        draft=draft,
        errors=errors or admin_ui.FormErrors(),
        statuses=[("draft", "Draft"), ("active", "Active")],
    )


# A product as its form shows it: every value text as typed, so a form sent back with an error keeps what was typed.


def _blank_variant() -> dict:
    return {
        "id": "",
        "sku": "",
        "price": "",
        "compare_at_price": "",
        "inventory_quantity": "0",
        "values": [""] * MAX_OPTIONS,
        "remove": False,
    }


def _blank_draft() -> dict:
    return {
        "title": "",
        "description": "",
        "handle": "",
        "status": "draft",
        "category": "",
        "seo": {"title": "", "description": ""},
        "option_names": [""] * MAX_OPTIONS,
        "variants": [_blank_variant()],
    }


def _with_blank_row(draft: dict) -> dict:
    return {**draft, "variants": [*draft["variants"], _blank_variant()]}


def _draft_of(tenant_id: str, product: dict) -> dict:
    currency = product["currency"]
    names = (product["options"] + [""] * MAX_OPTIONS)[:MAX_OPTIONS]
    return {
        "title": product["title"],
        "description": product["description"],
        "handle": product["handle"],
        "status": product["status"],
        "category": product["category"] or "",
        "seo": {"title": product["seo"].get("title", ""), "description": product["seo"].get("description", "")},
        "option_names": names,
        "variants": [
            {
                "id": v["id"],
                "sku": v["sku"],
                "price": money.amount_input(v["price"], currency),
                "compare_at_price": money.amount_input(v["compare_at_price"], currency),
                "inventory_quantity": str(v["inventory_quantity"]),
                "values": [v["options"].get(name, "") if name else "" for name in names],
                "remove": False,
            }
            for v in product["variants"]
        ],
        "images": _pickable(tenant_id, product["images"]),
    }


def _pickable(tenant_id: str, images: list[dict]) -> list[dict]:
    """The product's images (ticked, in order), then the shop's other uploads to pick from."""
    mine = [{**i, "use": True} for i in images]
    chosen = {i["key"] for i in images}
    others = media.list_media(tenant_id, limit=MEDIA_SHOWN, cursor=None)["items"]
    return mine + [{**m, "alt": "", "use": False} for m in others if m["key"] not in chosen]


def _draft_from(form) -> dict:
    rows: dict[str, set[int]] = {"variants": set(), "images": set()}
    for name in form.values:
        if found := _ROW.match(name):
            rows[found[1]].add(int(found[2]))
    variants = []
    for i in sorted(rows["variants"]):
        field = lambda name, i=i: form.get(f"variants[{i}].{name}")  # noqa: E731
        variants.append(
            {
                **{name: field(name) for name in ("id", "sku", "price", "compare_at_price", "inventory_quantity")},
                "values": [field(f"options[{k}]") for k in range(MAX_OPTIONS)],
                "remove": f"variants[{i}].remove" in form,
            }
        )
    images = [
        {
            "key": form.get(f"images[{j}].key"),
            "alt": form.get(f"images[{j}].alt"),
            "use": f"images[{j}].use" in form,
        }
        for j in sorted(rows["images"])
    ]
    return {
        **{name: form.get(name) for name in ("title", "handle", "status", "category")},
        "description": (form.values.get("description") or [""])[0],
        "seo": {"title": form.get("seo.title"), "description": (form.values.get("seo.description") or [""])[0]},
        "option_names": [form.get(f"option_names[{k}]") for k in range(MAX_OPTIONS)],
        "variants": variants,
        "images": images,
    }


def _submit(draft: dict, currency: str, schema: dict, write):
    """The form's values read as the API's payload, checked by the API's schema, handed to `write`. An error (an
    amount that does not read, the schema's, the domain's) is named by the form's rows: the payload leaves out
    rows removed or left empty and images not ticked, so its `variants[k]` need not be the form's."""
    reading = admin_ui.Reading(currency)
    payload, variant_rows, image_rows = _payload(draft, reading)
    try:
        return write(reading.check(payload, schema))
    except (Invalid, Conflict) as err:
        raise _named_by_rows(err, variant_rows, image_rows) from None


def _payload(draft: dict, reading) -> tuple[dict, dict[int, int], dict[int, int]]:
    """(the payload, its variants' rows in the form, its images' rows)."""
    names = draft["option_names"]
    variants: list[dict] = []
    variant_rows: dict[int, int] = {}
    for i, v in enumerate(draft["variants"]):
        if v["remove"] or not (v["id"] or v["sku"] or v["price"] or v["compare_at_price"] or any(v["values"])):
            continue  # removed, or a row added and left empty
        at = f"variants[{len(variants)}]"
        variant_rows[len(variants)] = i
        variants.append(
            {
                **({"id": v["id"]} if v["id"] else {}),
                "sku": v["sku"],
                "price": reading.amount(f"{at}.price", v["price"]),
                "compare_at_price": reading.amount(f"{at}.compare_at_price", v["compare_at_price"], required=False),
                "inventory_quantity": reading.whole(f"{at}.inventory_quantity", v["inventory_quantity"]),
                "options": {name: v["values"][k] for k, name in enumerate(names) if name},
            }
        )
    chosen = [(j, img) for j, img in enumerate(draft["images"]) if img["use"]]
    payload = {
        "title": draft["title"],
        "description": draft["description"],
        "status": draft["status"],
        "category": draft["category"],
        "seo": draft["seo"],
        "variants": variants,
        "images": [{"key": img["key"], "alt": img["alt"]} for _, img in chosen],
        **({"handle": draft["handle"]} if draft["handle"] else {}),
    }
    return payload, variant_rows, {n: j for n, (j, _) in enumerate(chosen)}


def _named_by_rows(err: DomainError, variant_rows: dict[int, int], image_rows: dict[int, int]) -> Invalid:
    err = product_editing.renumbered(product_editing.renumbered(err, variant_rows), image_rows, "images")
    # A variant's option values are one group of inputs: an error in any of them is the group's.
    fields = {re.sub(r"^(variants\[\d+\]\.options)\..*$", r"\1", k): v for k, v in err.fields.items()}
    return Invalid(err.message, fields)


@routes.admin(
    "/admin/products/{product_id}/images/uploads",
    ["POST"],
    summary="Start an upload of the product's image (form: filename, content_type, size): JSON {key, upload} for "
    "the page's script, which posts the file straight to storage",
    media=("application/json",),
)
@Audited.creates(MEDIA)
def start_image_upload(session, form, product_id):
    catalog.get_product(session.tenant_id, product_id)  # another shop's product is not found
    name = re.sub(r"[^A-Za-z0-9._-]+", "-", form.get("filename").rsplit("/", 1)[-1].rsplit("\\", 1)[-1])
    size = form.get("size")
    payload = {
        "filename": name.lstrip("._-")[:100] or "image",
        "content_type": form.get("content_type"),
        "size": int(size) if size.isdigit() and len(size) < 12 else -1,
    }
    try:
        data = validation.check(payload, schemas.MEDIA_UPLOAD)
    except Invalid as err:
        return web.json_response({"message": err.message, "fields": err.fields}, 400)
    who = audit.Actor(id=session.actor["id"], email=session.actor["email"], via="admin")
    return web.json_response(start_upload(session.tenant_id, who, data))


@routes.admin(
    "/admin/products/{product_id}/images",
    ["POST"],
    summary="Add an uploaded image to the product (form: key, alt; the alt text is required here)",
)
@audited.page(PRODUCT, "product_id", action="update_product")
def add_uploaded_image(session, form, product_id):
    tenant_id = session.tenant_id
    product = catalog.get_product(tenant_id, product_id)
    try:
        if not form.get("key"):
            raise Invalid("Choose an image file to upload", {"file": "choose an image file"})
        if not form.get("alt"):
            raise Invalid("Describe the image for people who cannot see it", {"alt": "describe what the image shows"})
        images = [{"key": i["key"], "alt": i["alt"]} for i in product["images"]]
        patch = validation.check(
            {"images": [*images, {"key": form.get("key"), "alt": form.get("alt")}]}, schemas.PRODUCT_PATCH
        )
        product_editing.update_product(tenant_id, product_id, patch)
    except Invalid as err:
        # The key is the file input's (the page's script fills it in): its messages show next to that input.
        fields = {("alt" if k.endswith("alt") else "file"): v for k, v in err.fields.items()}
        errors = admin_ui.FormErrors(err.message, fields)
        return _editor(session, _draft_of(tenant_id, product), product, errors, status=400)
    return admin_ui.redirect(f"/admin/products/{product_id}", notice="uploaded")


# Publish, unpublish, delete -----------------------------------------------------------------------------------------


@routes.admin("/admin/products/{product_id}/status", ["POST"], summary="Publish or unpublish a product (form: status)")
@audited.page(PRODUCT, "product_id", action="update_product")
def publish_or_unpublish(session, form, product_id):
    patch = validation.check({"status": form.get("status")}, schemas.PRODUCT_PATCH)
    product_editing.update_product(session.tenant_id, product_id, patch)
    notice = "published" if patch["status"] == "active" else "unpublished"
    return admin_ui.redirect(f"/admin/products/{product_id}", notice=notice)


@routes.admin("/admin/products/{product_id}/delete", summary="Delete a product: the page that asks first")
def delete_product_page(session, form, product_id):
    product = catalog.get_product(session.tenant_id, product_id)
    return admin_ui.render("products_delete.html", session, nav="products", product=product)


@routes.admin("/admin/products/{product_id}/delete", ["POST"], summary="Delete a product, with its variants")
@audited.page(PRODUCT, "product_id", action="delete_product")
def delete_product_for_good(session, form, product_id):
    product_editing.delete_product(session.tenant_id, product_id)
    return admin_ui.redirect("/admin/products", notice="deleted")
