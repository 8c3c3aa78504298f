"""A shop's custom domain: pending until a DNS TXT record proves the merchant controls it.

Attaching a domain (`pending`) takes no claim and serves nothing, so anyone's pending domain stops no one.
Verification reads the TXT record `txt_name` and looks for `txt_value`; found, the domain's claim is taken
in the transaction that marks the shop verified: the first shop to prove it owns it, and from then on
requests with that Host resolve to the shop (tenants.shop_for_host). A domain another shop verified
answers 409, at attach and at verify.

The resolver is dnspython in AWS; locally (`make run`, the tests) `PublishedRecords` answers from records
published in this process (`make run`'s `PUT /_dns/txt`).
"""

import secrets
import threading
from typing import Protocol

import dns.exception
import dns.resolver
from pynamodb.exceptions import DoesNotExist, TransactWriteError
from pynamodb.expressions.update import Action
from pynamodb.transactions import TransactWrite

from . import clock, hosts, keys, settings, tenants
from .db import Claim, ShopRecord, connection, failed_conditions
from .errors import Conflict, Invalid

TXT_LABEL = "_shopbuilder-verification"
TXT_PREFIX = "shopbuilder-verification="


class Resolver(Protocol):
    def txt(self, name: str) -> list[str]:
        """The TXT strings published at `name`; none when the name or its record does not exist (yet)."""
        ...


class DnsResolver:
    """The real DNS, through the system's resolvers; a timeout counts as "not found yet" (409, try again)."""

    def txt(self, name: str) -> list[str]:
        try:
            answer = dns.resolver.resolve(name, "TXT", lifetime=5)
        except (dns.resolver.NXDOMAIN, dns.resolver.NoAnswer, dns.resolver.NoNameservers, dns.exception.Timeout):
            return []
        return [b"".join(record.strings).decode("utf-8", "replace") for record in answer]


class PublishedRecords:
    """TXT records published in this process: the local stand-in for DNS."""

    def __init__(self) -> None:
        self._records: dict[str, set[str]] = {}
        self._lock = threading.Lock()

    def publish(self, name: str, value: str) -> None:
        with self._lock:
            self._records.setdefault(name.lower().rstrip("."), set()).add(value)

    def txt(self, name: str) -> list[str]:
        with self._lock:
            return sorted(self._records.get(name.lower().rstrip("."), ()))


resolver: Resolver = PublishedRecords() if settings.LOCAL else DnsResolver()


def txt_name(host: str) -> str:
    return f"{TXT_LABEL}.{host}"


def describe(shop: ShopRecord) -> dict | None:
    """The shop answer's `custom_domain`: where it stands and the record that proves it."""
    if not shop.custom_domain:
        return None
    return {
        "host": shop.custom_domain,
        "status": "verified" if hosts.verified_domain(shop) else "pending",
        "txt_name": txt_name(shop.custom_domain),
        "txt_value": TXT_PREFIX + (shop.domain_token or ""),
    }


def _owner(host: str) -> str | None:
    try:
        return Claim.get(keys.domain_claim(host), keys.CLAIM_SK).tenant_id
    except DoesNotExist:
        return None


def attach(shop: ShopRecord, requested: str) -> tuple[list[Action], str | None]:
    """What attaching `requested` changes on the shop (validated, not written): a pending domain with a new
    token; and the verified domain it replaces, whose claim the caller deletes in the same transaction.
    The shop's current domain again changes nothing."""
    host = requested.strip().lower().rstrip(".")
    if tenants.subdomain_of_host(host) is not None or tenants.is_platform_host(host) or "." not in host:
        raise Invalid("custom_domain: use a domain you own", {"custom_domain": "not a custom domain"})
    if host == shop.custom_domain:
        return [], None
    if _owner(host) not in (None, shop.tenant_id):
        raise Conflict("That domain belongs to another shop", {"custom_domain": "taken"})
    actions: list[Action] = [
        ShopRecord.custom_domain.set(host),
        ShopRecord.domain_token.set(secrets.token_urlsafe(24)),
        ShopRecord.domain_verified_at.remove(),
    ]
    return actions, hosts.verified_domain(shop)


def verify(tenant_id: str) -> ShopRecord:
    """Checks the TXT record and, found, takes the domain's claim and marks it verified (once: a verified
    domain answers as it is). 409 while the record is not found, or when another shop proved it first."""
    shop = tenants.get_shop(tenant_id)
    host = shop.custom_domain
    if not host:
        raise Conflict("This shop has no custom domain to verify", {"custom_domain": "none"})
    if hosts.verified_domain(shop):
        return shop
    expected = TXT_PREFIX + shop.domain_token
    if expected not in resolver.txt(txt_name(host)):
        raise Conflict(
            f"No TXT record {txt_name(host)} saying {expected} was found yet; DNS changes can take a while",
            {"custom_domain": "not verified"},
        )
    claim = Claim(keys.domain_claim(host), keys.CLAIM_SK, tenant_id=tenant_id, created_at=clock.now_iso())
    try:
        with TransactWrite(connection=connection()) as tx:
            tx.save(claim, condition=Claim.pk.does_not_exist() | (Claim.tenant_id == tenant_id))
            tx.update(
                shop,
                actions=[ShopRecord.domain_verified_at.set(clock.now_iso())],
                condition=(ShopRecord.custom_domain == host) & (ShopRecord.domain_token == shop.domain_token),
            )
    except TransactWriteError as e:
        failed = failed_conditions(tx, e)
        if (keys.domain_claim(host), keys.CLAIM_SK) in failed:
            raise Conflict("That domain belongs to another shop", {"custom_domain": "taken"}) from None
        if (shop.pk, shop.sk) in failed:
            raise Conflict("The shop's domain changed meanwhile; verify again", {"custom_domain": "changed"}) from None
        raise
    tenants.forget_shop(tenant_id)
    return tenants.get_shop(tenant_id)
