"""The operator API (/api/operator): the platform's owner lists, suspends and reactivates shops
and reads their SLA figures."""

from chalice import Blueprint

from chalicelib import schemas, sla, tenants, web

bp = Blueprint(__name__)
routes = web.Routes(bp)


@routes.api(
    "/api/operator/tenants",
    summary="All shops",
    response=schemas.page_of(schemas.TENANT),
    tag="operator",
    query=schemas.page_query,
)
def operator_tenants():
    request = bp.current_request
    web.operator(request)
    return web.json_response(tenants.list_tenants(**web.page_args(request)))


@routes.api(
    "/api/operator/tenants/{tenant_id}/suspend",
    ["POST"],
    summary="Suspend a shop",
    response=schemas.TENANT,
    tag="operator",
)
def operator_suspend(tenant_id):
    web.operator(bp.current_request)
    return web.json_response(tenants.set_status(tenant_id, "suspended"))


@routes.api(
    "/api/operator/tenants/{tenant_id}/reactivate",
    ["POST"],
    summary="Reactivate a shop",
    response=schemas.TENANT,
    tag="operator",
)
def operator_reactivate(tenant_id):
    web.operator(bp.current_request)
    return web.json_response(tenants.set_status(tenant_id, "active"))


@routes.api(
    "/api/operator/sla",
    summary="Per-tenant availability and latency for a month (default: this one)",
    response=schemas.SLA_REPORT,
    tag="operator",
    query={"month": {"type": "string", "pattern": r"^\d{4}-(0[1-9]|1[0-2])$", "description": "YYYY-MM"}},
)
def operator_sla():
    request = bp.current_request
    web.operator(request)
    return web.json_response(sla.report(tenants.plans, web.query(request, "month")))
