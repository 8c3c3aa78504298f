"""The merchant reads their shop's audit log: every change made through the API or the web admin, filtered and
paged, or exported as CSV. Nothing here writes: the log has no update or delete route."""

from urllib.parse import urlencode

from chalice import Blueprint, Response

from chalicelib import audit, clock, schemas, web

bp = Blueprint(__name__)
routes = web.Routes(bp)

# The log names people (who changed what): no cache keeps it.
PRIVATE = {"Cache-Control": "private, no-store"}


@routes.api(
    "/api/admin/audit",
    summary="The audit log, newest first: who changed what, when, each field before and after "
    "(?resource_type= ?resource_id= ?actor= ?since= ?until=)",
    response=schemas.page_of(schemas.AUDIT_ENTRY),
    tag="admin",
    query={**schemas.page_query, **schemas.audit_query},
)
def list_audit():
    request = bp.current_request
    tenant_id = web.merchant_tenant(request)
    filters = audit.Filters.parse(request.query_params or {})
    return web.json_response(audit.listing(tenant_id, filters, **web.page_args(request)), headers=PRIVATE)


@routes.api(
    "/api/admin/audit.csv",
    summary="The audit log as CSV, one row per changed field, with the same filters; a long log continues "
    'at the `Link: <...>; rel="next"` header\'s URL',
    tag="admin",
    media=("text/csv",),
    query={"cursor": schemas.page_query["cursor"], **schemas.audit_query},
)
def export_audit():
    request = bp.current_request
    return csv_response(web.merchant_tenant(request), request.query_params or {}, "/api/admin/audit.csv")


def csv_response(tenant_id: str, query: dict, path: str) -> Response:
    """The filtered log as a CSV download (the API's and the web admin's): about audit.CSV_ROWS rows, the rest
    at the URL of its `Link: <...>; rel="next"` header."""
    text, rest = audit.export(tenant_id, audit.Filters.parse(query), cursor=query.get("cursor"))
    headers: dict[str, str | list[str]] = {
        **PRIVATE,
        "Content-Type": "text/csv; charset=utf-8",
        "Content-Disposition": f'attachment; filename="audit-{clock.now_iso()[:10]}.csv"',
    }
    if rest:
        more = urlencode({**{k: v for k, v in query.items() if k != "cursor"}, "cursor": rest})
        headers["Link"] = f'<{path}?{more}>; rel="next"'
    return Response(body=text, status_code=200, headers=headers)
