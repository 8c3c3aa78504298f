"""Routes for anyone: liveness, the API document, opening a shop, signing in and out, passwords; and the 404
for everything no route matches."""

from urllib.parse import parse_qs

from chalice import Blueprint, Response

from chalicelib import (
    accounts,
    assets,
    docs,
    hosts,
    onboarding,
    openapi,
    schemas,
    shops,
    storefront,
    tenants,
    throttle,
    web,
)
from chalicelib.errors import Invalid, NotFound

bp = Blueprint(__name__)
routes = web.Routes(bp)


@routes.api("/healthz", summary="Liveness", response=schemas.HEALTH, tag="platform")
def healthz():
    return web.json_response({"status": "ok"})


@routes.api("/openapi.json", summary="This document", response=schemas.OPENAPI_DOCUMENT, tag="platform")
def openapi_document():
    return web.json_response(openapi.document(hosts.platform_base(web.host(bp.current_request))))


@routes.api("/docs", summary="This document, browsable (Swagger UI)", tag="platform", media=("text/html",))
def api_reference():
    return web.html_response(docs.page())


@routes.api(
    "/docs/{asset}",
    summary="The browsable reference's script and style files",
    tag="platform",
    media=("text/javascript", "text/css"),
)
def api_reference_asset(asset):
    text, content_type = docs.asset(asset)
    return Response(body=text, status_code=200, headers={"Content-Type": content_type, **docs.ASSET_HEADERS})


@routes.api(
    "/assets/{folder}/{name}",
    summary="The scripts and stylesheets pages load (a theme's, the platform page's); long-cached, versioned by ?v=",
    tag="platform",
    media=("text/javascript", "text/css"),
)
def asset(folder, name):
    text, content_type = assets.read(folder, name)
    return Response(body=text, status_code=200, headers={"Content-Type": content_type, **assets.HEADERS})


@routes.api(
    "/api/merchants/signup",
    ["POST"],
    summary="Open a shop",
    request=schemas.SIGNUP,
    response=schemas.SIGNUP_RESPONSE,
    status=201,
    tag="platform",
    throttled=True,
)
def signup():
    request = bp.current_request
    throttle.charge(throttle.signups(web.client_address(request)))
    data = web.body(request, schemas.SIGNUP)
    result = tenants.signup(**data)
    onboarding.start(result["shop"])
    shop = shops.to_dict(result["shop"], web.host(request))
    return web.json_response({"token": result["token"], "shop": shop}, 201)


@routes.api(
    "/api/auth/login",
    ["POST"],
    summary="Sign in (merchant or operator)",
    request=schemas.LOGIN,
    response=schemas.TOKEN_RESPONSE,
    tag="platform",
    throttled=True,
)
def login():
    request = bp.current_request
    data = web.body(request, schemas.LOGIN)
    return web.json_response({"token": accounts.login(**data, client=web.client_address(request))})


@routes.api("/api/auth/logout", ["POST"], summary="Sign out: this token stops working", status=204, tag="platform")
def logout():
    accounts.logout(web.bearer(bp.current_request))
    return web.empty_response()


@routes.api(
    "/api/auth/password",
    ["POST"],
    summary="Change the password: a fresh token; every older token of the account stops working",
    request=schemas.PASSWORD_CHANGE,
    response=schemas.TOKEN_RESPONSE,
    tag="platform",
    throttled=True,
)
def change_password():
    request = bp.current_request
    claims = web.bearer(request)
    data = web.body(request, schemas.PASSWORD_CHANGE)
    return web.json_response({"token": accounts.change_password(claims, **data, client=web.client_address(request))})


@routes.api(
    "/api/auth/password-reset",
    ["POST"],
    summary="Mail a password reset link (202 whether or not the email has an account)",
    request=schemas.PASSWORD_RESET,
    response=schemas.PASSWORD_RESET_RESPONSE,
    status=202,
    tag="platform",
    throttled=True,
)
def request_password_reset():
    request = bp.current_request
    throttle.charge(throttle.password_resets(web.client_address(request)))
    accounts.request_reset(web.body(request, schemas.PASSWORD_RESET)["email"])
    return web.json_response({"message": "If that email has an account, a reset link is on its way"}, 202)


@routes.api(
    "/api/auth/password-reset/confirm",
    ["POST"],
    summary="Set a new password with an emailed reset link's token (once): a fresh token",
    request=schemas.PASSWORD_RESET_CONFIRM,
    response=schemas.TOKEN_RESPONSE,
    tag="platform",
)
def confirm_password_reset():
    return web.json_response(
        {"token": accounts.confirm_reset(**web.body(bp.current_request, schemas.PASSWORD_RESET_CONFIRM))}
    )


# The reset link's page (its URL holds the token): never cached; it runs no script and loads nothing, and its
# <meta name="referrer"> sends no Referer even to its own form. Every page's security headers (web.py) apply.
RESET_PAGE_HEADERS = {"Cache-Control": "private, no-store"}


@routes.api(
    "/password-reset",
    summary="The page an emailed reset link opens: a form for the new password",
    tag="platform",
    media=("text/html",),
    query={"token": {"type": "string", "description": "The emailed link's token"}},
)
def password_reset_page():
    token = web.query(bp.current_request, "token") or ""
    page = storefront.password_reset_page(token, language=accounts.reset_language(token) if token else None)
    return web.html_response(page, headers=RESET_PAGE_HEADERS)


@routes.api(
    "/password-reset",
    ["POST"],
    summary="The reset page's form (token, password): sets the password as the confirm call does",
    status=(200, 400),
    tag="platform",
    media=("text/html",),
)
def password_reset_form():
    try:
        form = parse_qs((bp.current_request.raw_body or b"").decode(), max_num_fields=2)
    except (UnicodeDecodeError, ValueError):
        form = {}
    token, password = (form.get(name, [""])[0] for name in ("token", "password"))
    language = accounts.reset_language(token) if token else None  # before the link is used up
    try:
        accounts.confirm_reset(token=token, password=password)
    except Invalid as err:
        page = storefront.password_reset_page(token, message=err.message, language=language)
        return web.html_response(page, 400, headers=RESET_PAGE_HEADERS)
    page = storefront.password_reset_page("", done=True, language=language)
    return web.html_response(page, headers=RESET_PAGE_HEADERS)


# Everything else: the shop's friendly 404 (API Gateway's greedy route; the local server maps misses here too).
@routes.catch_all
def not_found(proxy):
    raise NotFound("Nothing here")
