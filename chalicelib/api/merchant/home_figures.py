"""The merchant's home: the figures their first page shows (sales, what waits for them, first steps)."""

from chalice import Blueprint

from chalicelib import kpis, schemas, web

bp = Blueprint(__name__)
routes = web.Routes(bp)


@routes.api(
    "/api/admin/home",
    summary="Today's and this week's sales, orders to fulfil, returns to handle, low stock, the first steps left",
    response=schemas.HOME,
    tag="admin",
    query={"low_stock_threshold": schemas.LOW_STOCK_THRESHOLD},
)
def home_figures():
    request = bp.current_request
    tenant_id = web.merchant_tenant(request)
    threshold = kpis.low_stock_threshold(web.query(request, "low_stock_threshold"))
    return web.json_response(kpis.home(tenant_id, low_stock_threshold=threshold))
