"""The admin's products: the index (search, status filter, paging, rows ticked for a bulk action), create and
edit, publish and unpublish, delete after a confirm page. Every read and write is the merchant API's own
(catalog, product_editing) with its schemas: the form's values become the API's payload first."""

from urllib.parse import urlencode

from chalice import Blueprint

from chalicelib import admin_ui, catalog, web
from chalicelib.api.merchant.catalogue import product_filters

bp = Blueprint(__name__)
routes = web.Routes(bp)
PAGE_SIZE = 25
STATUS_FILTERS = [("", "All"), ("active", "Active"), ("draft", "Draft")]
# The bulk edits a merchant can start on the ticked rows (the bulk edit pages take it from there).
BULK_ACTIONS = [
    ("publish", "Publish"),
    ("unpublish", "Unpublish"),
    ("set_price", "Set price"),
    ("adjust_price", "Adjust price"),
    ("set_stock", "Set stock"),
    ("adjust_stock", "Adjust stock"),
]


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
