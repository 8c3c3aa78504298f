"""Per-tenant availability and latency for the operator's SLA view.

Each Lambda container counts its requests per tenant in memory (a latency
histogram and the 5xx count) and adds them to the month's totals in DynamoDB
at most once a minute per tenant (SLA_FLUSH_SECONDS), so a page costs no extra
write. Up to a minute of counts may be lost when a container is recycled; the
figures are for watching the promise, not for billing.
"""

import os
import re
import threading
import time

from pynamodb.attributes import MapAttribute, NumberAttribute, UnicodeAttribute
from pynamodb.exceptions import UpdateError
from pynamodb.expressions.update import Action

from . import billing, clock
from .db import Document, PlatformItem, conditionally
from .errors import Invalid
from .observability import logger

# Histogram bucket upper bounds in milliseconds (the last bucket is open-ended).
BUCKETS_MS = (5, 10, 25, 50, 100, 250, 500, 1000, 2500, 5000)
# What each plan promises (billing.PLANS holds the plans).
PROMISES = {
    name: {"availability": plan["availability"], "p99_ms": plan["p99_ms"]} for name, plan in billing.PLANS.items()
}


class MonthlyStats(PlatformItem, discriminator="sla"):
    """pk `SLA#<yyyy-mm>`, sk `<tenant_id>`."""

    tenant_id = UnicodeAttribute()
    requests = NumberAttribute(default=0)
    errors = NumberAttribute(default=0)
    buckets: Document = MapAttribute(default=dict)  # "b0".."b10" -> count


def _month() -> str:
    return clock.now().strftime("%Y-%m")


def _bucket(ms: float) -> str:
    for i, bound in enumerate(BUCKETS_MS):
        if ms <= bound:
            return f"b{i}"
    return f"b{len(BUCKETS_MS)}"


class _Window:
    def __init__(self):
        self.lock = threading.Lock()  # the local server is threaded; Lambda is not
        self.counts: dict[str, dict] = {}
        self.flushed_at: dict[str, float] = {}

    def add(self, tenant_id: str, status: int, ms: float) -> dict | None:
        """Adds one request; returns the tenant's pending counts when they are due for a flush."""
        with self.lock:
            c = self.counts.setdefault(tenant_id, {"requests": 0, "errors": 0, "buckets": {}})
            c["requests"] += 1
            c["errors"] += status >= 500
            b = _bucket(ms)
            c["buckets"][b] = c["buckets"].get(b, 0) + 1
            now = time.monotonic()
            if now - self.flushed_at.setdefault(tenant_id, now) >= float(os.environ.get("SLA_FLUSH_SECONDS", "60")):
                self.flushed_at[tenant_id] = now
                return self.counts.pop(tenant_id)
        return None


_window = _Window()


def record(tenant_id: str | None, status: int, ms: float) -> None:
    if not tenant_id:
        return
    due = _window.add(tenant_id, status, ms)
    if due:
        try:
            _add(tenant_id, due)
        except UpdateError:  # losing a minute of counts must never fail the shopper's request
            logger.warning("SLA counts not saved", tenant_id=tenant_id, exc_info=True)


def _add(tenant_id: str, counts: dict) -> None:
    item = MonthlyStats(f"SLA#{_month()}", tenant_id)
    # update() does not write the discriminator on its own; queries by item type need it.
    actions: list[Action] = [
        MonthlyStats.kind.set(MonthlyStats),
        MonthlyStats.tenant_id.set(tenant_id),
        MonthlyStats.requests.add(counts["requests"]),
        MonthlyStats.errors.add(counts["errors"]),
    ]
    # ADD on a nested map needs the map to exist: the month's first write creates it.
    # Two containers may race to be first: the loser's condition fails and it adds instead.
    for _attempt in range(2):
        if conditionally(
            item.update,
            actions=actions + [MonthlyStats.buckets[b].add(n) for b, n in counts["buckets"].items()],
            condition=MonthlyStats.buckets.exists(),
        ) or conditionally(
            item.update,
            actions=actions + [MonthlyStats.buckets.set(counts["buckets"])],
            condition=MonthlyStats.buckets.does_not_exist(),
        ):
            return


def flush_all() -> None:
    """Writes every pending count now (tests; and a container could call it on shutdown)."""
    with _window.lock:
        pending, _window.counts = _window.counts, {}
    for tenant_id, counts in pending.items():
        _add(tenant_id, counts)


def percentile(buckets: dict, total: int, q: float) -> int | None:
    """Upper bound of the bucket holding the q-th request: an honest 'at most' figure."""
    if not total:
        return None
    need, seen = q * total, 0
    for i, bound in enumerate(BUCKETS_MS + (None,)):
        seen += int(buckets.get(f"b{i}", 0))
        if seen >= need:
            return bound if bound is not None else BUCKETS_MS[-1] * 2
    return None


def requests_this_month(tenant_ids: list[str]) -> dict[str, int]:
    """Requests each tenant served this month, as flushed so far (up to a minute behind)."""
    month = _month()
    stats = MonthlyStats.batch_get([(f"SLA#{month}", t) for t in set(tenant_ids)])
    return {s.tenant_id: int(s.requests) for s in stats}


def report(plans_of, month: str | None = None) -> dict:
    """The month's figures for every tenant that served traffic, against its plan's promise.
    `plans_of(tenant_ids) -> {tenant_id: plan}`."""
    if month is not None and not re.fullmatch(r"\d{4}-(0[1-9]|1[0-2])", month):
        raise Invalid("month: use YYYY-MM", {"month": "use YYYY-MM"})
    month = month or _month()
    stats = list(MonthlyStats.query(f"SLA#{month}"))
    plans = plans_of([s.tenant_id for s in stats]) if stats else {}
    items = []
    for s in stats:
        total, errors = int(s.requests), int(s.errors)
        buckets = s.buckets.as_dict() if hasattr(s.buckets, "as_dict") else dict(s.buckets)
        availability = (total - errors) / total if total else None
        promise = PROMISES.get(plans.get(s.tenant_id, "starter"), PROMISES["starter"])
        p99 = percentile(buckets, total, 0.99)
        items.append(
            {
                "tenant_id": s.tenant_id,
                "requests": total,
                "server_errors": errors,
                "availability": availability,
                "latency_ms": {
                    "p50": percentile(buckets, total, 0.5),
                    "p95": percentile(buckets, total, 0.95),
                    "p99": p99,
                },
                "promise": promise,
                "met": availability is not None
                and availability >= promise["availability"]
                and p99 is not None
                and p99 <= promise["p99_ms"],
            }
        )
    return {"month": month, "items": items}
