"""HTTP glue: what happens around every request, route registration, request parsing, and the
one place errors become responses.

The route modules in chalicelib/api/ stay thin: they parse, call one domain function, shape the answer.
"""

import functools
import json
import re
import time
import urllib.parse
from http.cookies import CookieError, SimpleCookie
from typing import Any

from chalice import Response

from . import (
    accounts,
    auth,
    cursors,
    edge,
    hosts,
    idempotency,
    isolation,
    languages,
    openapi,
    schemas,
    security_headers,
    sla,
    tenants,
    validation,
)
from .errors import DomainError, Forbidden, NotFound, TooManyRequests, Unavailable
from .observability import count, log_context, logger, tracer

JSON = "application/json"
HTML = "text/html; charset=utf-8"


def around_request(request, get_response):
    """Chalice `http` middleware (app.py registers it), so it wraps every route of every blueprint,
    on AWS, on the local server and in chalice.test alike. The request's log keys and tenant binding
    hold for this request only (the tenant is bound once the route knows it: `acts_for`); in-progress
    idempotency keys expire with this invocation; the log line and SLA counts follow its answer, which
    gets the security headers every answer carries (Chalice's own 405 and 415 answers too) and, unless it says
    otherwise, `private, no-store`: only what a route declares public ever sits in a cache."""
    started = time.perf_counter()
    idempotency.bind(request.lambda_context)
    with log_context(correlation_id=request.context.get("requestId")), isolation.request_scope():
        response = _contract_error(get_response(request))
        response.headers = security_headers.add_to(response.headers)
        response.headers.setdefault("Cache-Control", edge.PRIVATE)
        ms = (time.perf_counter() - started) * 1000
        logger.info("request", method=request.method, path=request.path, status=response.status_code, ms=round(ms, 2))
        sla.record(isolation.current(), response.status_code, ms)
    return response


def _contract_error(response: Response) -> Response:
    """Chalice answers a method a route lacks (405) itself, with `{Code, Message}`; clients get every
    error in the contract's one shape, `{message}`."""
    body = response.body
    if response.status_code >= 400 and isinstance(body, dict) and set(body) == {"Code", "Message"}:
        response.body = {"message": body["Message"]}
    return response


def acts_for(tenant_id: str, kind: str) -> None:
    """From here on the request acts for this tenant: its data access, log lines, SLA and request counts."""
    isolation.bind(tenant_id)
    logger.thread_safe_append_keys(tenant_id=tenant_id)
    count(kind, tenant_id)


def json_response(body, status: int = 200, headers: dict | None = None) -> Response:
    return Response(
        body=json.dumps(body, separators=(",", ":")),
        status_code=status,
        headers={"Content-Type": JSON, **(headers or {})},
    )


def empty_response(status: int = 204) -> Response:
    return Response(body="", status_code=status)


def html_response(html: str, status: int = 200, headers: dict | None = None) -> Response:
    return Response(body=html, status_code=status, headers={"Content-Type": HTML, **(headers or {})})


def host(request) -> str:
    """The host the request was served on: API Gateway's `domainName` (it routes on that host), on the local
    server the Host header. Never `X-Forwarded-Host`: any client sets that (hosts.py decides what a URL uses)."""
    return (request.context or {}).get("domainName") or request.headers.get("host") or ""


def client_address(request) -> str:
    """Who is calling, for rate limits and anonymous idempotency keys: the source address the gateway saw.
    Never `X-Forwarded-For`, which the client writes itself."""
    return (request.context.get("identity") or {}).get("sourceIp") or "unknown"


def query(request, name: str) -> str | None:
    return (request.query_params or {}).get(name)


def page_args(request) -> dict:
    return {"limit": cursors.limit(query(request, "limit")), "cursor": query(request, "cursor")}


def cookie(request, name: str) -> str | None:
    jar = SimpleCookie()
    try:
        jar.load(request.headers.get("cookie") or "")
    except CookieError:
        return None
    return jar[name].value if name in jar else None


def body(request, schema: dict) -> dict:
    return validation.check(validation.parse_json(request.raw_body), schema)


def bearer(request) -> dict:
    """The claims of the request's token, if it is valid and its session has not ended."""
    return accounts.check_session(auth.verify_token(request.headers.get("authorization")))


def merchant_tenant(request) -> str:
    tenant_id = tenants.merchant_tenant(bearer(request))
    if isolation.current() != tenant_id:  # once per request, however many steps ask (auditing asks first)
        acts_for(tenant_id, "AdminRequest")
    return tenant_id


def operator(request) -> dict:
    claims = bearer(request)
    auth.require_role(claims, "operator")
    return claims


def error_body(err: DomainError) -> dict:
    out: dict[str, Any] = {"message": err.message}
    if err.fields:
        out["fields"] = err.fields
    return out


class Routes:
    """Registers each route of a blueprint once with Chalice and with the OpenAPI document; its
    errors answer as JSON or, on a page, as the shop's themed page."""

    def __init__(self, blueprint):
        self.blueprint = blueprint

    def _guarded(self, fn, *, html: bool | str, fixed: dict | None = None, cached: bool = False):
        """`fixed`: parameters the registration adds to the path's own (a page's language). `cached`: a public
        page, whose 404 the edge may keep briefly too (edge.NOT_FOUND)."""

        @functools.wraps(fn)
        def view(**params):
            params.update(fixed or {})
            try:
                return fn(**params)
            except DomainError as err:
                return self._error(err, html=html, params=params, cached=cached)
            except Exception:
                logger.exception("Unhandled error")
                return self._error(
                    DomainError("Something went wrong on our side"), html=html, params=params, status=500
                )

        return view

    def _error(
        self, err: DomainError, *, html: bool | str, params: dict, status: int | None = None, cached: bool = False
    ) -> Response:
        """`html`: False answers JSON, True the shop's themed page, "admin" the web admin's page. Only a public
        page's 404 may be cached; a suspended shop's 503, like every other error, is `private, no-store`."""
        status = status or err.status
        if html == "admin":
            return _admin_error(self.blueprint.current_request, err, status)
        if isinstance(err, TooManyRequests):
            return json_response(error_body(err), status, headers={"Retry-After": str(err.retry_after)})
        if not html:
            return json_response(error_body(err), status)
        from . import storefront  # HTML errors only; keeps Jinja out of pure API paths

        # A suspended shop's every page, missing or not, is its theme's 503 page: its name and colours, no catalogue.
        shop = _safe_shop(self.blueprint.current_request, params)
        if shop is not None and shop.status == "suspended":
            err, status = Unavailable("This shop is temporarily unavailable"), Unavailable.status
        language = _page_language(shop, params.get("language"))
        base_path = _base_path(params) + (languages.prefix(shop, language) if shop is not None else "")
        headers = {"Cache-Control": edge.NOT_FOUND} if cached and status == NotFound.status else None
        with languages.speaking(language):
            return html_response(storefront.error_page(err, shop, base_path, status), status, headers)

    def _register(self, path, methods, fn, *, html, fixed=None, name=None, cached=False, **published):
        """`name`: the operation's name when the view serves several paths (else the view's)."""
        view = self._guarded(tracer.capture_method(fn), html=html, fixed=fixed, cached=cached)
        self.blueprint.route(path, methods=methods, content_types=["*/*"])(view)
        for m in methods:
            openapi.register(path, m, view=name or fn.__name__, html=bool(html), **published)
        return view

    def admin(self, path, methods=("GET",), *, summary, signed_in=True, media=()):
        """A page of the merchant web admin (admin_ui). The view is called as `fn(session, form, **path_params)`:
        `form` is the posted form (None on a GET), its CSRF token already checked (a POST without a valid one
        answers 403). Signed out, a page that needs a session redirects to the sign-in page (303). `media`: what
        it answers besides pages (a download's `text/csv`)."""

        def deco(fn):
            @functools.wraps(fn)
            def page(**params):
                return _admin_page(self.blueprint.current_request, fn, params, signed_in=signed_in)

            self._register(
                path,
                list(methods),
                page,
                html="admin",
                summary=summary,
                tag="web admin",
                status=(200, 303),
                media=media,
            )
            return fn

        return deco

    def api(self, path, methods=("GET",), **published):
        """A JSON route. `published`, what /openapi.json says of it (openapi.register's keywords): `summary` and
        `tag`, and as needed `request`, `response`, `status`, `media` (content types other than JSON it answers
        with; its errors stay JSON), `query` (the query parameters it reads), `throttled` (a rate limit guards it)."""

        def deco(fn):
            self._register(path, list(methods), fn, html=False, **published)
            return fn

        return deco

    def storefront(
        self, path, methods=("GET",), *, summary, html=False, cached=False, on_platform_host=None, **published
    ):
        """A storefront route on the shop's own host and under /s/{subdomain}; a page (`html`, GET) also under each
        language's prefix (`/zh-cn/...`: languages.prefix), answering 404 for a language the shop does not speak.
        The view gets `shop` (suspended shops answer 503) and `base_path`, where its links start ('', '/s/<sub>',
        '/s/<sub>/zh-cn'), and runs speaking the page's language. `cached`: an anonymous page, the same for every
        shopper, that the edge keeps (edge.PUBLIC; its preview stays private). `published` as in `api`."""

        def deco(fn):
            @functools.wraps(fn)
            def resolved(**params):
                sub = params.pop("subdomain", None)
                requested = params.pop("language", None)
                request = self.blueprint.current_request
                shop = _shop(request, sub)
                if shop is None and sub is None and on_platform_host and tenants.is_platform_host(host(request)):
                    return on_platform_host()
                if shop is None:
                    raise NotFound("This shop doesn't exist")
                acts_for(shop.tenant_id, "StorefrontRequest")
                shop = tenants.require_open(shop)
                root = f"/s/{sub}" if sub else ""
                language = languages.primary(shop)
                if requested is not None:
                    if requested not in languages.of_shop(shop)[1:]:
                        raise NotFound("This shop has no pages in that language")
                    language = requested
                base_path = root + languages.prefix(shop, language)
                origin = hosts.storefront_base(shop, host(request), root)
                bases = tuple((tag, origin + languages.prefix(shop, tag)) for tag in languages.of_shop(shop))
                token = query(request, "preview") if html else None
                with languages.speaking(language, bases, _filled(path, params)):
                    if token is None:
                        response = fn(shop=shop, base_path=base_path, **params)
                        if cached:
                            response.headers["Cache-Control"] = edge.PUBLIC
                        return response
                    return _previewed(shop, token, lambda: fn(shop=shop, base_path=base_path, **params))

            forms = [
                (path, summary, None),
                ("/s/{subdomain}" + (path if path != "/" else ""), f"{summary} (path form)", None),
            ]
            if html and list(methods) == ["GET"]:
                for language in languages.SUPPORTED:
                    segment = "/" + languages.segment(language) + (path if path != "/" else "")
                    forms.append((segment, f"{summary} ({language})", language))
                    forms.append(("/s/{subdomain}" + segment, f"{summary} ({language}, path form)", language))
            for form, form_summary, language in forms:
                self._register(
                    form,
                    list(methods),
                    resolved,
                    html=html,
                    fixed={"language": language} if language else None,
                    name=f"{fn.__name__}_in_{languages.segment(language).replace('-', '_')}" if language else None,
                    cached=cached,
                    summary=form_summary,
                    tag="storefront",
                    **published,
                )
            return fn

        return deco

    def catch_all(self, fn):
        """API Gateway's greedy route: JSON 404 under an api/ path, the shop's 404 page elsewhere."""

        def view(**uri_params):
            # Chalice passes no view argument for a greedy parameter; API Gateway puts it in pathParameters.
            proxy = next(iter((self.blueprint.current_request.uri_params or {}).values()), "")
            parts = proxy.strip("/").split("/")
            params = {"subdomain": parts[1]} if len(parts) > 1 and parts[0] == "s" else {}
            after_shop = parts[2:3] if params else parts[:1]
            language = languages.from_segment(after_shop[0]) if after_shop else None
            params.update({"language": language} if language else {})
            is_api = parts[:1] == ["api"] or (parts[:1] == ["s"] and parts[2:3] == ["api"])
            # An unknown page is a public 404 like a missing product's; an unknown API path is an API answer.
            is_page = not is_api and self.blueprint.current_request.method == "GET"
            handler = self._guarded(lambda **_: fn(proxy), html=not is_api, cached=is_page)
            return handler(**params)

        view.__name__ = fn.__name__
        self.blueprint.route("/{proxy+}", methods=["GET", "POST", "PUT", "PATCH", "DELETE"], content_types=["*/*"])(
            view
        )
        for m in ["GET", "POST", "PUT", "PATCH", "DELETE"]:
            openapi.register(
                "/{proxy+}",
                m,
                view=fn.__name__,
                summary="Anything else: 404 (JSON under api/, else a page)",
                request=None,
                response=schemas.ERROR,
                status=404,
                tag="platform",
                html=True,
            )
        return fn


def _previewed(shop, token: str, page) -> Response:
    """A storefront page as the merchant's draft renders it (theme_edits.open_preview: the signed token is this
    shop's and has not expired): for whoever holds the link only, so never cached nor indexed, framable by the
    admin, with a bar saying it is a preview."""
    from . import storefront, template_overrides, theme_edits  # pages only; keeps Jinja out of pure API paths

    preview = theme_edits.open_preview(shop, token)
    with template_overrides.previewing(preview):
        response = page()
    response.body = storefront.marked_as_preview(response.body, preview, token)
    response.headers.update(
        {
            "Cache-Control": "private, no-store",
            "X-Robots-Tag": "noindex",
            "Content-Security-Policy": security_headers.content_security_policy(framed_by="'self'"),
        }
    )
    return response


def _admin_page(request, fn, params: dict, *, signed_in: bool) -> Response:
    from . import admin_session, admin_ui  # pages only; keeps Jinja out of pure API paths

    seed = cookie(request, admin_session.CSRF_COOKIE)
    new_seed = None if seed else admin_session.new_csrf_seed()
    form = None
    if request.method == "POST":
        form = admin_ui.parse_form(request.raw_body)
        if new_seed or not admin_session.csrf_ok(seed, form.get("csrf_token")):
            raise Forbidden("This form has expired or did not come from this admin. Go back, reload and try again.")
    claims = admin_session.claims(cookie(request, admin_session.SESSION_COOKIE))
    session = admin_ui.Session(csrf_token=admin_session.csrf_token(seed or new_seed or ""), claims=claims)
    if claims is not None and claims.get("role") == "merchant":
        tenant_id = tenants.merchant_tenant(claims)
        acts_for(tenant_id, "AdminRequest")
        session = admin_ui.Session(session.csrf_token, claims, tenant_id, tenants.get_shop(tenant_id))
    elif signed_in:
        if claims is not None:  # an operator's session: the operator console is theirs
            raise Forbidden("This needs a merchant account")
        return admin_ui.redirect(admin_ui.sign_in_location(request.path, request.query_params))
    response = fn(session=session, form=form, **params)
    if new_seed:
        sent = response.headers.get("Set-Cookie")
        response.headers["Set-Cookie"] = [
            *([sent] if isinstance(sent, str) else sent or []),
            admin_session.csrf_cookie(new_seed),
        ]
    return response


def _admin_error(request, err: DomainError, status: int) -> Response:
    """The admin's page for an error: in the admin's layout when the request was signed in."""
    from . import admin_session, admin_ui

    seed = cookie(request, admin_session.CSRF_COOKIE) or ""
    claims = admin_session.claims(cookie(request, admin_session.SESSION_COOKIE))
    session = admin_ui.Session(csrf_token=admin_session.csrf_token(seed), claims=claims)
    response = admin_ui.render("error.html", session, status=status, message=err.message, status_code=status)
    if isinstance(err, TooManyRequests):
        response.headers["Retry-After"] = str(err.retry_after)
    return response


def _base_path(params: dict) -> str:
    sub = params.get("subdomain")
    return f"/s/{sub}" if sub else ""


def _filled(path: str, params: dict) -> str:
    """A route's path with its parameters' values: '/products/{handle}' -> '/products/blue-tee'."""
    return re.sub(r"{(\w+)}", lambda m: urllib.parse.quote(str(params[m[1]]), safe=""), path)


def _page_language(shop, requested: str | None) -> str:
    """The language of a page that failed: the one its path asked for when the shop speaks it, else the shop's
    primary."""
    return languages.spoken_by(shop, requested) if shop is not None else languages.SOURCE


def _shop(request, subdomain: str | None):
    """The shop of a storefront request: the `/s/{subdomain}` form, else the Host header."""
    return tenants.shop_for_subdomain(subdomain) if subdomain else tenants.shop_for_host(host(request))


def _safe_shop(request, params: dict):
    try:
        return _shop(request, params.get("subdomain"))
    except DomainError:
        return None
