"""Shops (tenants): signup, resolution from a host, suspension. Signing in is accounts.py's."""

import re
import threading
import time

from pynamodb.exceptions import DoesNotExist, TransactWriteError
from pynamodb.transactions import TransactWrite

from . import attention, auth, clock, cursors, hosts, keys, lifecycle, passwords, settings, usage
from .db import Claim, ShopRecord, TenantEntry, connection, failed_conditions
from .errors import Conflict, Forbidden, Invalid, NotFound, Unavailable
from .money import is_currency

RESERVED_SUBDOMAINS = frozenset(
    """
www api admin app apps assets auth billing blog cdn checkout dashboard dev docs help
mail media operator platform s shop shops signup login static status store support test
""".split()
)
# The operator suspends a shop and opens it again.
STATUS_TRANSITIONS = {"active": {"suspended"}, "suspended": {"active"}}
STATUS = lifecycle.Lifecycle("shop", STATUS_TRANSITIONS)
_LABEL = re.compile(r"^[a-z0-9](?:[a-z0-9-]{1,61}[a-z0-9])$")
_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")


def normalize_email(email: str) -> str:
    return email.strip().lower()


def check_email(email: str, field: str = "email") -> str:
    email = normalize_email(email)
    if not _EMAIL.match(email):
        raise Invalid(f"{field}: not an email address", {field: "not an email address"})
    return email


def check_subdomain(subdomain: str) -> str:
    sub = subdomain.strip().lower()
    if not _LABEL.match(sub) or "--" in sub[2:4]:
        raise Invalid(
            "subdomain: use 3-63 letters, digits or hyphens, not at either end",
            {"subdomain": "not a DNS label of 3-63 characters"},
        )
    if sub in RESERVED_SUBDOMAINS:
        raise Invalid("subdomain: that name is reserved", {"subdomain": "reserved"})
    return sub


def signup(*, email: str, password: str, shop_name: str, subdomain: str, currency: str = "USD") -> dict:
    """Claims the subdomain and the email and writes the shop, all in one transaction."""
    email = check_email(email)
    sub = check_subdomain(subdomain)
    if not is_currency(currency):
        raise Invalid("currency: not an ISO 4217 currency code", {"currency": "unknown currency"})
    if not shop_name.strip():
        raise Invalid("shop_name: must not be blank", {"shop_name": "must not be blank"})
    passwords.check(password)
    tenant_id, user_id, now = keys.new_id(), keys.new_id(), clock.now_iso()
    shop = ShopRecord(
        tenant_id,
        keys.SHOP_SK,
        tenant_id=tenant_id,
        name=shop_name.strip(),
        subdomain=sub,
        currency=currency,
        owner_email=email,
        created_at=now,
        gsi2pk=keys.ONBOARDING_SHOPS,  # until onboarded: the sweeper starts an onboarding that never started
        gsi2sk=tenant_id,
    )
    new = Claim.pk.does_not_exist()
    try:
        with TransactWrite(connection=connection()) as tx:
            tx.save(Claim(keys.subdomain_claim(sub), keys.CLAIM_SK, tenant_id=tenant_id, created_at=now), condition=new)
            tx.save(
                Claim(
                    keys.email_claim(email),
                    keys.CLAIM_SK,
                    tenant_id=tenant_id,
                    user_id=user_id,
                    role="merchant",
                    password_hash=auth.hash_password(password),
                    created_at=now,
                ),
                condition=new,
            )
            tx.save(shop, condition=ShopRecord.pk.does_not_exist())
            tx.save(TenantEntry(keys.TENANTS_PK, tenant_id, tenant_id=tenant_id, subdomain=sub, created_at=now))
    except TransactWriteError as e:
        failed = failed_conditions(tx, e)
        if (keys.subdomain_claim(sub), keys.CLAIM_SK) in failed:
            raise Conflict("That subdomain is taken", {"subdomain": "taken"}) from None
        if (keys.email_claim(email), keys.CLAIM_SK) in failed:
            raise Conflict("An account with that email exists", {"email": "taken"}) from None
        raise
    token = auth.issue_token(user_id=user_id, role="merchant", tenant_id=tenant_id, email=email)
    return {"token": token, "shop": shop}


# Resolution --------------------------------------------------------------


def get_shop(tenant_id: str) -> ShopRecord:
    """Read consistently: the shop's settings live on it, and what a merchant just saved is what the next read
    shows (their page, and the audit log's after-image of the change)."""
    try:
        return ShopRecord.get(tenant_id, keys.SHOP_SK, consistent_read=True)
    except DoesNotExist:
        raise NotFound("No such shop") from None


# A storefront page would start with two GetItems (the host's claim, then the shop): a container
# keeps what it resolved for settings.SHOP_CACHE_SECONDS. Its own writes to a shop drop the entry
# at once (forget_shop); other containers see them when the entry expires. Unknown hosts are not
# kept, so a new shop answers at once.
_resolved: dict[str, tuple[float, ShopRecord]] = {}
_resolved_lock = threading.Lock()
_MAX_RESOLVED = 5000
_now = time.monotonic


def _claimed_shop(claim_pk: str) -> ShopRecord | None:
    ttl = settings.SHOP_CACHE_SECONDS
    if ttl > 0:
        with _resolved_lock:
            hit = _resolved.get(claim_pk)
        if hit and hit[0] > _now():
            return hit[1]
    try:
        claim = Claim.get(claim_pk, keys.CLAIM_SK)
    except DoesNotExist:
        return None
    shop = get_shop(claim.tenant_id)
    if ttl > 0:
        with _resolved_lock:
            if len(_resolved) >= _MAX_RESOLVED:
                _resolved.pop(next(iter(_resolved)))
            _resolved[claim_pk] = (_now() + ttl, shop)
    return shop


def forget_shop(tenant_id: str) -> None:
    """Drops this container's cached resolution of the shop (after it changed)."""
    with _resolved_lock:
        for claim_pk in [k for k, (_, shop) in _resolved.items() if shop.tenant_id == tenant_id]:
            del _resolved[claim_pk]


def shop_for_subdomain(subdomain: str) -> ShopRecord | None:
    sub = (subdomain or "").lower()
    if not _LABEL.match(sub):
        return None
    return _claimed_shop(keys.subdomain_claim(sub))


def subdomain_of_host(host: str) -> str | None:
    """`acme` for `acme.<STOREFRONT_DOMAIN>`; None for any other host."""
    host = (host or "").split(":")[0].strip().lower().rstrip(".")
    suffix = "." + settings.STOREFRONT_DOMAIN
    if host.endswith(suffix) and "." not in host[: -len(suffix)]:
        return host[: -len(suffix)]
    return None


def is_platform_host(host: str) -> bool:
    host = (host or "").split(":")[0].strip().lower().rstrip(".")
    return host in ("", settings.STOREFRONT_DOMAIN, "localhost", "127.0.0.1") or host.startswith("api.")


def shop_for_host(host: str) -> ShopRecord | None:
    """The shop a Host header names: its subdomain or a custom domain; None if none does."""
    sub = subdomain_of_host(host)
    if sub is not None:
        return shop_for_subdomain(sub)
    if is_platform_host(host):
        return None
    domain = host.split(":")[0].strip().lower().rstrip(".")
    shop = _claimed_shop(keys.domain_claim(domain))  # a claim exists only for a verified domain (domains.py)
    return shop if shop is not None and hosts.verified_domain(shop) == domain else None


def require_open(shop: ShopRecord) -> ShopRecord:
    if shop.status == "suspended":
        raise Unavailable("This shop is temporarily unavailable")
    return shop


# Operator ----------------------------------------------------------------


def list_tenants(*, limit: int, cursor: str | None) -> dict:
    page = TenantEntry.query(keys.TENANTS_PK, limit=limit, last_evaluated_key=cursors.decode(cursor, keys.TENANTS_PK))
    entries = list(page)
    shops = {s.tenant_id: s for s in ShopRecord.batch_get([(e.tenant_id, keys.SHOP_SK) for e in entries])}
    used = usage.of_shops(list(shops.values()))
    items = []
    for e in entries:
        shop = shops.get(e.tenant_id)
        items.append(
            {
                "id": e.tenant_id,
                "subdomain": e.subdomain,
                "created_at": e.created_at,
                "plan": shop.plan if shop else None,
                "status": shop.status if shop else None,
                "usage": used.get(e.tenant_id),
                "needs_attention": attention.count(e.tenant_id),
            }
        )
    return {"items": items, "next": cursors.encode(page.last_evaluated_key)}


def plans(tenant_ids: list[str]) -> dict[str, str]:
    return {s.tenant_id: s.plan for s in ShopRecord.batch_get([(t, keys.SHOP_SK) for t in set(tenant_ids)])}


def set_status(tenant_id: str, status: str) -> dict:
    shop = get_shop(tenant_id)
    if shop.status != status:
        STATUS.require(shop.status, status)
        STATUS.move(shop, status)  # an operator's second click meanwhile moved it there already
        forget_shop(tenant_id)
    return {
        "id": shop.tenant_id,
        "subdomain": shop.subdomain,
        "plan": shop.plan,
        "status": shop.status,
        "created_at": shop.created_at,
        "usage": usage.of_shops([shop])[shop.tenant_id],
    }


def merchant_tenant(claims: dict) -> str:
    """The tenant a merchant token acts on; a suspended shop's admin API is closed."""
    if claims.get("role") != "merchant" or not claims.get("tid"):
        raise Forbidden("This needs a merchant account")
    shop = get_shop(claims["tid"])
    if shop.status == "suspended":
        raise Forbidden("This shop is suspended; contact the platform operator")
    return shop.tenant_id
