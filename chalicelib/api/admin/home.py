"""The admin's home page: where a merchant lands after signing in."""

from chalice import Blueprint

from chalicelib import admin_ui, web

bp = Blueprint(__name__)
routes = web.Routes(bp)


@routes.admin("/admin", summary="The admin's home page")
def admin_home(session, form):
    notice = admin_ui.notice((bp.current_request.query_params or {}).get("notice"))
    return admin_ui.render("home.html", session, nav="home", notice=notice)
