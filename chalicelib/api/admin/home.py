"""The admin's home page: where a merchant lands after signing in. How the shop sells today and this week,
what waits for the merchant, and a new shop's first steps: the figures of `GET /api/admin/home` (kpis)."""

from chalice import Blueprint

from chalicelib import admin_ui, kpis, web
from chalicelib.errors import Invalid

bp = Blueprint(__name__)
routes = web.Routes(bp)


@routes.admin(
    "/admin", summary="Home: today's and this week's sales, orders to fulfil, returns, low stock, first steps"
)
def admin_home(session, form):
    query = bp.current_request.query_params or {}
    asked = query.get("low_stock_threshold", "")
    errors = admin_ui.FormErrors()
    try:
        threshold = kpis.low_stock_threshold(asked)
    except Invalid as err:  # the page still shows, at the usual threshold, the message next to the field
        errors, threshold = admin_ui.FormErrors.of(err), kpis.LOW_STOCK_THRESHOLD
    return admin_ui.render(
        "home.html",
        session,
        nav="home",
        notice=admin_ui.notice(query.get("notice")),
        errors=errors,
        home=kpis.home(session.tenant_id, low_stock_threshold=threshold),
        threshold_text=asked if errors else str(threshold),
    )
