"""Routes for anyone: liveness, the API document, opening a shop, signing in; and the 404 for
everything no route matches."""

from chalice import Blueprint, Response

from chalicelib import assets, docs, hosts, onboarding, openapi, schemas, shops, tenants, web
from chalicelib.errors import NotFound

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
)
def signup():
    request = bp.current_request
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
)
def login():
    return web.json_response({"token": tenants.login(**web.body(bp.current_request, schemas.LOGIN))})


# Everything else: the shop's friendly 404 (API Gateway's greedy route; the local server maps misses here too).
@routes.catch_all
def not_found(proxy):
    raise NotFound("Nothing here")
