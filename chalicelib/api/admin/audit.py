"""The audit log's screen: every change to the shop, newest first, with who made it, through what, and each
field before and after; filtered like the API's log (audit.Filters), paged, and exported as CSV."""

from urllib.parse import urlencode

from chalice import Blueprint

from chalicelib import admin_ui, audit, web
from chalicelib.api.merchant import auditing
from chalicelib.api.merchant.audit_log import csv_response
from chalicelib.errors import Invalid

bp = Blueprint(__name__)
routes = web.Routes(bp)

PAGE_SIZE = 25  # with SHOWN_CHANGES, a full page stays well under the admin's 200 KB
SHOWN_CHANGES = 12  # per entry; the CSV has them all
FILTERS = ("resource_type", "resource_id", "actor", "since", "until")
# Where a resource is seen in the admin: its own page, or the settings for the shop's settings and discounts.
PAGES = {"product": "/admin/products/{}", "order": "/admin/orders/{}", "return": "/admin/returns/{}"}
SETTINGS_PAGE = "/admin/settings"
IN_SETTINGS = {resource.type for resource in auditing.SETTINGS} | {auditing.DISCOUNT.type}


@routes.admin("/admin/audit", summary="The audit log: who changed what and when, each field before and after")
def audit_page(session, form):
    query = bp.current_request.query_params or {}
    given = {name: query[name].strip() for name in FILTERS if (query.get(name) or "").strip()}
    types = [(kind, _label(kind)) for kind in audit.RESOURCE_TYPES]
    context = {"nav": "audit", "given": given, "types": types, "filtered": bool(given)}
    try:
        filters = audit.Filters.parse(given)
        page = audit.listing(session.tenant_id, filters, limit=PAGE_SIZE, cursor=query.get("cursor"))
    except Invalid as err:
        return admin_ui.render("audit.html", session, status=400, errors=admin_ui.FormErrors.of(err), **context)
    here = urlencode(given)
    return admin_ui.render(
        "audit.html",
        session,
        entries=[_shown(e) for e in page["items"]],
        csv_url="/admin/audit.csv" + (f"?{here}" if here else ""),
        next_url=f"/admin/audit?{urlencode({**given, 'cursor': page['next']})}" if page["next"] else None,
        first_url=("/admin/audit" + (f"?{here}" if here else "")) if query.get("cursor") else None,
        **context,
    )


@routes.admin("/admin/audit.csv", summary="The audit log as CSV, filtered as the screen shows it", media=("text/csv",))
def audit_csv(session, form):
    return csv_response(session.tenant_id, bp.current_request.query_params or {}, "/admin/audit.csv")


def _shown(entry: dict) -> dict:
    """An entry as the table shows it: its first changes, how many more, and where its resource is seen."""
    kind, rid = entry["resource_type"], entry["resource_id"]
    page = PAGES[kind].format(rid) if kind in PAGES else SETTINGS_PAGE if kind in IN_SETTINGS else None
    return {
        **entry,
        "changes": entry["changes"][:SHOWN_CHANGES],
        "more": max(0, len(entry["changes"]) - SHOWN_CHANGES),
        "action_label": _label(entry["action"]),
        "type_label": _label(kind),
        "page": page if entry["action"] != "delete_product" else None,
        "history": "/admin/audit?" + urlencode({"resource_type": kind, "resource_id": rid}),
    }


def _label(name: str) -> str:
    """`return_policy` as a person reads it: Return policy."""
    return name.replace("_", " ").capitalize()
