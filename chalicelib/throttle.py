"""Rate limits against password guessing and enumeration: counters per client (the source address the
gateway saw) or per account, in a window that opens with the first request counted and lasts 15 minutes.

A counter is one item: `hits`, and `window_ends` (epoch seconds, by chalicelib.clock), also its TTL
`expires_at`. DynamoDB deletes expired items eventually (days, at worst), so nothing waits for that: a counter
whose window has ended reads as zero and the next request opens a new window over it.

Requests are counted before the work they guard: a login is counted before its scrypt runs (and forgiven when
the password was right), so a burst of guesses in parallel costs no more CPU than the limit allows.
"""

from typing import NamedTuple

from pynamodb.attributes import NumberAttribute

from . import clock, keys
from .db import PlatformItem, TenantItem, conditionally
from .errors import TooManyRequests

WINDOW_SECONDS = 15 * 60


class PlatformCounter(PlatformItem, discriminator="throttle"):
    """One client's or one email's count, until `window_ends` (epoch seconds; also its TTL, `expires_at`)."""

    hits = NumberAttribute(default=0)
    window_ends = NumberAttribute()
    expires_at = NumberAttribute()


class TenantCounter(TenantItem, discriminator="throttle"):
    """One client's count in one shop, as PlatformCounter."""

    hits = NumberAttribute(default=0)
    window_ends = NumberAttribute()
    expires_at = NumberAttribute()


class Counter(NamedTuple):
    model: type[PlatformCounter] | type[TenantCounter]
    pk: str
    sk: str
    limit: int


def login_by_email(email: str) -> Counter:
    """Five failed logins for one account in a window (whoever tries)."""
    return Counter(PlatformCounter, keys.email_counters(email), keys.throttle_sk("login"), 5)


def reset_mails(email: str) -> Counter:
    """Five password reset mails to one email in a window, however many clients ask (no mail-bombing)."""
    return Counter(PlatformCounter, keys.email_counters(email), keys.throttle_sk("reset_mail"), 5)


def login_by_client(address: str) -> Counter:
    """Twenty failed logins from one client in a window (whichever accounts)."""
    return Counter(PlatformCounter, keys.client(address), keys.throttle_sk("login"), 20)


def signups(address: str) -> Counter:
    return Counter(PlatformCounter, keys.client(address), keys.throttle_sk("signup"), 20)


def password_resets(address: str) -> Counter:
    return Counter(PlatformCounter, keys.client(address), keys.throttle_sk("password_reset"), 20)


def order_lookups(tenant_id: str, address: str) -> Counter:
    """A shop's order lookups by one client (number and email guessing); counted in the shop's own partition."""
    return Counter(TenantCounter, tenant_id, keys.throttle_sk("order_lookup", address), 20)


class Charge(NamedTuple):
    counter: Counter
    window_ends: int


def charge(*counters: Counter) -> list[Charge]:
    """Counts one request on each counter; TooManyRequests (retry after the latest window to end among those
    over their limit) once any of them has counted more than its limit in its window."""
    now = _now()
    charges, over = [], []
    for counter in counters:
        count, window_ends = _add(counter, now)
        charges.append(Charge(counter, window_ends))
        if count > counter.limit:
            over.append(window_ends)
    if over:
        raise TooManyRequests("Too many attempts; try again later", retry_after=max(1, max(over) - now))
    return charges


def forgive(charges: list[Charge]) -> None:
    """Takes back requests counted by `charge` (a login whose password was right is no failure), in the window
    they were counted in only: a window that ended meanwhile starts again from zero anyway."""
    for counter, window_ends in charges:
        model = counter.model
        conditionally(
            model(counter.pk, counter.sk).update,
            actions=[model.hits.add(-1)],
            condition=model.window_ends == window_ends,
        )


def _add(counter: Counter, now: int) -> tuple[int, int]:
    """(count, window_ends) after adding one request: to the open window, or as the first of a new one."""
    model = counter.model
    item = model(counter.pk, counter.sk)
    ends = now + WINDOW_SECONDS
    while True:
        if conditionally(item.update, actions=[model.hits.add(1)], condition=model.window_ends > now):
            return int(item.hits), int(item.window_ends)
        # No open window: this request opens one (over an ended one); if another request opened one meanwhile,
        # this one adds to it instead.
        fresh = model(counter.pk, counter.sk, hits=1, window_ends=ends, expires_at=ends)
        if conditionally(fresh.save, condition=model.window_ends.does_not_exist() | (model.window_ends <= now)):
            return 1, ends


def _now() -> int:
    return int(clock.now().timestamp())
