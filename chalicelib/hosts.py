"""Which hosts are a shop's own, and the absolute URLs that answers, emails and workflows carry.

An answer's URL is on the request's host only when that host is one of the shop's own: its subdomain
host, its verified custom domain, the API's own host, or (locally) the local server; otherwise, and
always in emails and workflows, on the shop's primary host. The request's host is the one API Gateway
served (`web.host`), never an `X-Forwarded-*` header a client sets. https in AWS; http only locally.
"""

import re

from . import settings
from .db import ShopRecord

_HOST = re.compile(
    r"^([a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?(?:\.[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?)*)(?::(\d{1,5}))?$"
)
_LOCAL_SERVER = ("localhost", "127.0.0.1")


def scheme() -> str:
    return "http" if settings.LOCAL else "https"


def _parts(host: str) -> tuple[str, str] | None:
    """(hostname, port) of a well-formed Host value, lower-cased; None for anything else."""
    match = _HOST.match((host or "").strip().lower().rstrip("."))
    return (match[1], match[2] or "") if match else None


def _with_port(hostname: str, port: str | int | None) -> str:
    """Locally the server's port goes with the host; in AWS every URL is on https's own port."""
    return f"{hostname}:{port}" if settings.LOCAL and port else hostname


def verified_domain(shop: ShopRecord) -> str | None:
    """The shop's custom domain once DNS proved it is the merchant's; a pending one is no host of the shop."""
    return shop.custom_domain if shop.custom_domain and shop.domain_verified_at else None


def primary_host(shop: ShopRecord) -> str:
    """Its verified custom domain, else its subdomain host."""
    hostname = verified_domain(shop) or f"{shop.subdomain}.{settings.STOREFRONT_DOMAIN}"
    return _with_port(hostname, settings.LOCAL_PORT)


def primary_url(shop: ShopRecord, path: str = "/") -> str:
    """A page of the shop on its primary host: what emails and workflows link to."""
    return f"{scheme()}://{primary_host(shop)}{path}"


def is_api_host(hostname: str) -> bool:
    """The API's own host: the platform domain, api.<it>, API Gateway's own URL; locally the local server."""
    if settings.LOCAL and hostname in _LOCAL_SERVER:
        return True
    domain = settings.STOREFRONT_DOMAIN
    return hostname in (domain, f"api.{domain}") or (
        not settings.LOCAL and hostname.endswith(f".execute-api.{settings.REGION}.amazonaws.com")
    )


def _own(shop: ShopRecord, request_host: str) -> tuple[str, str] | None:
    """The request's (hostname, port) when that host is one of the shop's own, else None."""
    parts = _parts(request_host)
    if parts is None:
        return None
    hostname = parts[0]
    if hostname in (f"{shop.subdomain}.{settings.STOREFRONT_DOMAIN}", verified_domain(shop)) or is_api_host(hostname):
        return parts
    return None


def storefront_base(shop: ShopRecord, request_host: str, base_path: str) -> str:
    """Where a storefront request's links start: its own host and path form (`base_path`, '' or
    '/s/<sub>') when the host is the shop's own, else the shop's primary host."""
    own = _own(shop, request_host)
    if own is None:
        return primary_url(shop, "")
    return f"{scheme()}://{_with_port(*own)}{base_path}"


def api_base(shop: ShopRecord, request_host: str) -> str:
    """Where the shop's API routes (a carrier's webhook) are reached: the request's host when it is the shop's
    own, else the shop's primary host (every host of a shop serves the API too)."""
    return storefront_base(shop, request_host, "")


def storefront_url(shop: ShopRecord, request_host: str) -> str:
    """The shop's home page as the request's host reaches it: a host of the shop gives that host, the
    local server or the platform domain the `/s/<sub>/` path form; any other host the primary host."""
    own = _own(shop, request_host)
    if own is None or own[0].startswith("api."):
        return primary_url(shop)
    if is_api_host(own[0]):
        return f"{scheme()}://{_with_port(*own)}/s/{shop.subdomain}/"
    return f"{scheme()}://{_with_port(*own)}/"


def platform_base(request_host: str) -> str:
    """The API's own base for answers about no shop (the API document, the platform's home page)."""
    parts = _parts(request_host)
    if parts is not None and is_api_host(parts[0]):
        return f"{scheme()}://{_with_port(*parts)}"
    if settings.LOCAL:
        return f"http://localhost:{settings.LOCAL_PORT}"
    return f"https://api.{settings.STOREFRONT_DOMAIN}"
