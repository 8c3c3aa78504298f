"""The audit log: every change a merchant makes to their shop, through the API or the web admin: who (account id
and email), when, what (the operation, the resource's type and id) and each field's value before and after.

A change is recorded as a flat, field-by-field diff of the resource as the API shows it, read before and after the
change (`changing`), so any resource a merchant can read is audited the same way, and a change that changes
nothing (a lifecycle action repeated, an idempotent create replayed) records nothing.

Append-only: an entry is put once, on the condition that no item has its key, and no code path updates or
deletes one. The change is written first and its entry after it: an entry never describes a change that failed.
"""

import contextvars
import csv
import io
import json
import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from pynamodb.attributes import ListAttribute, UnicodeAttribute

from . import clock, cursors, keys
from .db import Documents, NewestFirstIndex, SparseIndex, TenantItem, conditionally
from .errors import Invalid, NotFound
from .schemas.merchant import AUDIT_RESOURCE_TYPES

VIA = ("api", "admin")
RESOURCE_TYPES = AUDIT_RESOURCE_TYPES
# An export holds whole entries, up to about this many rows; the rest is on the next one (its `next`).
CSV_ROWS = 10_000
CSV_COLUMNS = (
    "at",
    "actor_email",
    "actor_id",
    "via",
    "action",
    "resource_type",
    "resource_id",
    "field",
    "before",
    "after",
)
# A spreadsheet runs a cell that starts with one of these as a formula (OWASP's CSV injection list).
_FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
_DAY = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")


class AuditEntry(TenantItem, discriminator="audit"):
    """One change to a shop, put once: nothing updates or deletes an entry."""

    entry_id = UnicodeAttribute()
    at = UnicodeAttribute()
    actor_id = UnicodeAttribute()
    actor_email = UnicodeAttribute()
    via = UnicodeAttribute()  # api | admin
    action = UnicodeAttribute()  # the operation, e.g. update_product
    resource_type = UnicodeAttribute()
    resource_id = UnicodeAttribute()
    changes: Documents = ListAttribute(default=list)  # [{field, before, after}]
    gsi1pk = UnicodeAttribute()
    gsi1sk = UnicodeAttribute()
    gsi2pk = UnicodeAttribute()
    gsi2sk = UnicodeAttribute()

    by_resource = NewestFirstIndex()
    by_type = SparseIndex()


@dataclass(frozen=True)
class Actor:
    """Who made a change: the signed-in account, and whether through the API or the web admin."""

    id: str
    email: str
    via: str


# The diff ---------------------------------------------------------------------------------------------------------


def flatten(value: Any, prefix: str = "") -> dict[str, Any]:
    """Every leaf of a resource by its dotted path: `seo.title`, `variants.<variant id>.price` (a list of objects
    with ids is keyed by id, so removing one variant is not a change of every later one), `tags.0` otherwise.
    An empty object or list is a leaf of its own: a field that became empty still shows."""
    if isinstance(value, dict) and value:
        out: dict[str, Any] = {}
        for key, inner in value.items():
            out.update(flatten(inner, f"{prefix}.{key}" if prefix else str(key)))
        return out
    if isinstance(value, list) and value:
        by_id = all(isinstance(v, dict) and isinstance(v.get("id"), str) for v in value)
        out = {}
        for i, inner in enumerate(value):
            key = inner["id"] if by_id else str(i)
            out.update(flatten(inner, f"{prefix}.{key}" if prefix else key))
        return out
    return {prefix: value} if prefix else {}


def diff(before: dict, after: dict) -> list[dict]:
    """[{field, before, after}] for every leaf that differs (None where the field is absent), in the resource's
    own order: the fields as they were, then those that are new."""
    old, new = flatten(before), flatten(after)
    return [
        {"field": field, "before": old.get(field), "after": new.get(field)}
        for field in {**old, **new}
        if old.get(field) != new.get(field) or (field in old) != (field in new)
    ]


# Recording --------------------------------------------------------------------------------------------------------


def record(
    tenant_id: str, actor: Actor, action: str, resource_type: str, resource_id: str, before: dict, after: dict
) -> dict | None:
    """Appends the entry of one change; None when before and after are the same (nothing changed)."""
    changes = diff(before, after)
    if not changes:
        return None
    entry = new_entry(tenant_id, actor, action, (resource_type, resource_id), changes)
    conditionally(entry.save, condition=AuditEntry.pk.does_not_exist())  # ids are unique: never overwrites
    return to_dict(entry)


def new_entry(tenant_id: str, actor: Actor, action: str, resource: tuple[str, str], changes: list[dict]) -> AuditEntry:
    """The entry of a change, to put once (`condition=AuditEntry.pk.does_not_exist()`): `record` puts it alone,
    a change written in a transaction of its own adds it there (a bulk edit's product)."""
    resource_type, resource_id = resource
    entry_id, at = keys.new_id(), clock.now_iso()
    sort = keys.audit_sk(at, entry_id)
    return AuditEntry(
        keys.audit_log(tenant_id),
        sort,
        entry_id=entry_id,
        at=at,
        actor_id=actor.id,
        actor_email=actor.email,
        via=actor.via,
        action=action,
        resource_type=resource_type,
        resource_id=resource_id,
        changes=changes,
        gsi1pk=keys.audit_resource_gsi(tenant_id, resource_type, resource_id),
        gsi1sk=sort,
        gsi2pk=keys.audit_type_gsi(tenant_id, resource_type),
        gsi2sk=sort,
    )


_acting: contextvars.ContextVar[Actor | None] = contextvars.ContextVar("acting", default=None)


def acting() -> Actor | None:
    """Who is making the change `changing` runs: work it starts for later (a bulk edit) keeps them."""
    return _acting.get()


def changing(
    tenant_id: str,
    actor: Actor,
    action: str,
    resource: tuple[str, str | None],
    read: Callable[[str, str], dict],
    change: Callable[[], Any],
    *,
    created: Callable[[Any], tuple[str | None, dict]] | None = None,
):
    """Runs `change()` and records what it did to the resource (type, id) as `read(tenant_id, id)` shows it
    before and after (a resource gone afterwards reads as {}); answers what `change` answered.

    A change that creates the resource (its id None) names it from its answer: `created(answer)` is (id, the
    resource), which had no fields before; no id, nothing was created (a dry run). A create replayed (the same
    Idempotency-Key) answers the first one's resource, which already has its entry: it records nothing."""
    resource_type, resource_id = resource
    before = _read(read, tenant_id, resource_id) if resource_id is not None else {}
    token = _acting.set(actor)
    try:
        answer = change()
    finally:
        _acting.reset(token)
    if created is not None:
        resource_id, after = created(answer)
        if resource_id is None or _has_entries(tenant_id, resource_type, resource_id):
            return answer  # nothing created (a dry run), or created before
    elif resource_id is not None:
        after = _read(read, tenant_id, resource_id)
    else:
        raise ValueError(f"{action}: a change of no resource id that creates nothing")
    record(tenant_id, actor, action, resource_type, resource_id, before, after)
    return answer


def _read(read: Callable[[str, str], dict], tenant_id: str, resource_id: str) -> dict:
    try:
        return read(tenant_id, resource_id)
    except NotFound:
        return {}


def _has_entries(tenant_id: str, resource_type: str, resource_id: str) -> bool:
    found = AuditEntry.by_resource.query(keys.audit_resource_gsi(tenant_id, resource_type, resource_id), limit=1)
    return next(iter(found), None) is not None


# Reading ----------------------------------------------------------------------------------------------------------


def to_dict(entry: AuditEntry) -> dict:
    return {
        "id": entry.entry_id,
        "at": entry.at,
        "actor": {"id": entry.actor_id, "email": entry.actor_email},
        "via": entry.via,
        "action": entry.action,
        "resource_type": entry.resource_type,
        "resource_id": entry.resource_id,
        "changes": [
            {"field": c["field"], "before": c.get("before"), "after": c.get("after")} for c in (entry.changes or [])
        ],
    }


@dataclass(frozen=True)
class Filters:
    """Which entries to read; every filter optional. `since` and `until` are inclusive, to the second (a day
    without a time is from its start, or until its end)."""

    resource_type: str | None = None
    resource_id: str | None = None
    actor: str | None = None  # an account id or email
    since: str | None = None
    until: str | None = None

    @classmethod
    def parse(cls, query: dict) -> "Filters":
        """From a query string or a form's fields (empty ones ignored); Invalid naming each bad one."""
        values = {name: _text(query, name) for name in ("resource_type", "resource_id", "actor", "since", "until")}
        if values["resource_type"] is not None and values["resource_type"] not in RESOURCE_TYPES:
            raise Invalid(
                f"resource_type: one of {', '.join(RESOURCE_TYPES)}", {"resource_type": "unknown resource type"}
            )
        for name in ("since", "until"):
            if (given := values[name]) is not None:
                moment = clock.parse_instant(given, name)
                if name == "until" and _DAY.fullmatch(given):  # a day without a time: to the end of that day
                    moment = moment.replace(hour=23, minute=59, second=59)
                values[name] = clock.iso(moment)
        if values["since"] and values["until"] and values["since"] > values["until"]:
            raise Invalid("until: must not be before since", {"until": "must not be before since"})
        return cls(**values)


def _text(query: dict, name: str, most: int = 254) -> str | None:
    value = (query or {}).get(name)
    if value is None or not value.strip():
        return None
    value = value.strip()
    if len(value) > most or not value.isprintable() or not _encodable(value):
        raise Invalid(f"{name}: at most {most} printable characters", {name: "not a value this filter takes"})
    return value


def _encodable(value: str) -> bool:
    try:
        value.encode()
        return True
    except UnicodeEncodeError:  # a lone surrogate
        return False


def listing(tenant_id: str, filters: Filters, *, limit: int, cursor: str | None) -> dict:
    """The entries that pass the filters, newest first: `{items, next}`. A resource's history is one Query of
    its own partition of gsi1, a type's of gsi2, else the shop's whole log; the actor is a filter on top, and a
    page stops short of `limit` only at the end."""
    index, partition, sort_key = _where(tenant_id, filters)
    log = keys.audit_log(tenant_id)
    start = cursors.decode(cursor, log, index=(index.Meta.index_name, partition) if index else None)
    if start is not None and index is None and set(start) != {"pk", "sk"}:
        raise Invalid("Invalid cursor", {"cursor": "not a cursor this API gave out"})
    page = (index or AuditEntry).query(
        partition,
        range_key_condition=_window(sort_key, filters),
        filter_condition=_by_actor(filters.actor),
        scan_index_forward=False,
        limit=limit,
        last_evaluated_key=start,
    )
    items = [to_dict(e) for e in page]
    return {"items": items, "next": cursors.encode(page.last_evaluated_key)}


def _where(tenant_id: str, filters: Filters):
    """(the index or None for the table, the partition, its sort key attribute)."""
    if filters.resource_type and filters.resource_id:
        partition = keys.audit_resource_gsi(tenant_id, filters.resource_type, filters.resource_id)
        return AuditEntry.by_resource, partition, AuditEntry.gsi1sk
    if filters.resource_type:
        return AuditEntry.by_type, keys.audit_type_gsi(tenant_id, filters.resource_type), AuditEntry.gsi2sk
    return None, keys.audit_log(tenant_id), AuditEntry.sk


def _window(sort_key, filters: Filters):
    low = keys.audit_sk(filters.since, "") if filters.since else None
    high = keys.audit_sk(filters.until, "~") if filters.until else None  # "~" sorts after every id
    if low and high:
        return sort_key.between(low, high)
    if low:
        return sort_key >= low
    return sort_key <= high if high else None


def _by_actor(actor: str | None):
    return (AuditEntry.actor_id == actor) | (AuditEntry.actor_email == actor.lower()) if actor else None


# CSV --------------------------------------------------------------------------------------------------------------


def export(tenant_id: str, filters: Filters, *, cursor: str | None = None) -> tuple[str, str | None]:
    """(the CSV of the filtered log, newest first, one row per changed field; the cursor of the rest or None).
    Whole entries, up to about CSV_ROWS rows: a longer log continues from the cursor."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(CSV_COLUMNS)
    rows, next_cursor = 0, cursor
    while rows < CSV_ROWS:
        page = listing(tenant_id, filters, limit=cursors.MAX_LIMIT, cursor=next_cursor)
        for entry in page["items"]:
            for change in entry["changes"]:
                writer.writerow([safe_cell(v) for v in _row(entry, change)])
                rows += 1
        next_cursor = page["next"]
        if next_cursor is None:
            break
    return out.getvalue(), next_cursor


def _row(entry: dict, change: dict) -> tuple:
    head = (entry["at"], entry["actor"]["email"], entry["actor"]["id"], entry["via"], entry["action"])
    return (*head, entry["resource_type"], entry["resource_id"], change["field"], change["before"], change["after"])


def safe_cell(value: Any) -> str:
    """A value as a spreadsheet shows it and never runs: text as it is, other values as JSON (null, true, 12),
    and anything a spreadsheet would take for a formula behind a leading apostrophe."""
    text = value if isinstance(value, str) else json.dumps(value, ensure_ascii=False)
    return "'" + text if text.startswith(_FORMULA_STARTS) else text
