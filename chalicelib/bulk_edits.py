"""Bulk edits: one change (publish, unpublish, a price or stock change) to many products at once.

The merchant previews it first: a dry run answers what would change (each product's or variant's value before
and after) and what would be skipped, and why. The real run is infra/workflows/bulk_edit.asl.json: PlanEdit
fixes the products (the ids chosen, or every product matching a filter at that moment) in chunks, ApplyChunks
edits each chunk (bulk_changes.apply: one transaction per product, with its result recorded in the chunk, so a
retried step edits nothing twice), then FinishEdit. Progress is read from the chunks while it runs.

An undo is a second bulk edit (action `undo`) that puts back every field the first one changed, where the
field still holds what the edit set; anything changed since is skipped and reported.
"""

import dataclasses
import functools
import json
from collections.abc import Iterator

from botocore.exceptions import BotoCoreError, ClientError
from pynamodb.attributes import ListAttribute, MapAttribute, NumberAttribute, UnicodeAttribute
from pynamodb.exceptions import TransactWriteError
from pynamodb.transactions import TransactWrite

from . import audit, bulk_changes, catalog, clock, cursors, keys, lifecycle, workflows
from .db import (
    Document,
    Documents,
    NewestFirstIndex,
    ProductRecord,
    TenantItem,
    VariantRecord,
    condition_failed,
    connection,
    plain,
)
from .errors import Conflict, Invalid, NotFound
from .observability import logger

WORKFLOW = "bulk_edit"
CHUNK = 5  # products per step: their results (up to 90 variant rows each) stay well inside a 400 KB item
MOST_PRODUCTS = 5_000  # 1,000 chunks: the Map stays far inside an execution's 25,000 history events
SHOWN = 500  # rows of each list (changes, skipped, failures) an answer carries; its counts are always whole
PARAMS = {
    "publish": (),
    "unpublish": (),
    "set_price": ("price",),
    "adjust_price": ("percent", "amount"),  # one of them
    "set_stock": ("quantity",),
    "adjust_stock": ("delta",),
}

TRANSITIONS = {
    "queued": {"running", "failed"},
    "running": {"succeeded", "failed"},
    "succeeded": set(),
    "failed": set(),
}


class BulkEditRecord(TenantItem, discriminator="bulk_edit"):
    """A merchant's edit of many products at once (its statuses, chunks and workflow: this module)."""

    bulk_edit_id = UnicodeAttribute()
    action = UnicodeAttribute()  # bulk_changes.ACTIONS, or `undo`
    params: Document = MapAttribute(default=dict)
    selection: Document = MapAttribute(default=dict)  # {product_ids} | {filter} | {bulk_edit_id} (an undo's)
    status = UnicodeAttribute()
    total, chunks = NumberAttribute(default=0), NumberAttribute(null=True)  # products, BulkEditChunk items: planned
    undo_of, undone_by, error = UnicodeAttribute(null=True), UnicodeAttribute(null=True), UnicodeAttribute(null=True)
    created_at, updated_at, finished_at = UnicodeAttribute(), UnicodeAttribute(), UnicodeAttribute(null=True)
    actor: Document = MapAttribute(null=True)  # who started it (audit.Actor): the audit log names them per product
    gsi1pk, gsi1sk = UnicodeAttribute(), UnicodeAttribute()
    all_bulk_edits = NewestFirstIndex()


class BulkEditChunk(TenantItem, discriminator="bulk_edit_chunk"):
    items: Documents = ListAttribute(default=list)  # [{product_id, revert?: [changes]}]: one step's products
    results: Document = MapAttribute(default=dict)  # product id -> {changes, skipped, failures}: what it did


def _stamp(record, new: str) -> list:
    model, now = type(record), clock.now_iso()
    return [model.updated_at.set(now), *([model.finished_at.set(now)] if new in ("succeeded", "failed") else [])]


LIFECYCLE = lifecycle.Lifecycle("bulk edit", TRANSITIONS, stamp=_stamp)


# Asking -------------------------------------------------------------------


def _check(tenant_id: str, data: dict) -> tuple[str, dict, dict]:
    """The action, its params and the selection of a valid request (its products this shop's); Invalid naming
    the field otherwise."""
    action, params = data["action"], data.get("params", {})
    allowed = PARAMS[action]
    given = [p for p in params if p in allowed]
    extra = sorted(set(params) - set(allowed))
    if extra:
        raise Invalid(f"params.{extra[0]}: not a parameter of {action}", {f"params.{extra[0]}": "not allowed"})
    if allowed and len(given) != 1:
        field = f"params.{allowed[0]}"
        wanted = " or ".join(allowed)
        raise Invalid(f"{field}: {action} takes {'one of ' if len(allowed) > 1 else ''}{wanted}", {field: "required"})
    if ("product_ids" in data) == ("filter" in data):
        raise Invalid(
            "product_ids: choose products, or a filter (not both)", {"product_ids": "choose products, or a filter"}
        )
    if "product_ids" in data:
        _known(tenant_id, data["product_ids"])  # an unknown one named by its index as sent
        return action, params, {"product_ids": list(dict.fromkeys(data["product_ids"]))}
    return action, params, {"filter": data["filter"]}


def _by_id(tenant_id: str, product_ids: list[str]) -> dict[str, dict]:
    """The products of these ids that exist, as the merchant's API shows them (two batch reads)."""
    wanted = [(tenant_id, keys.product_sk(p)) for p in product_ids if keys.is_id(p)]
    products = list(ProductRecord.batch_get(wanted, consistent_read=True)) if wanted else []
    variant_keys = [(tenant_id, keys.variant_sk(v)) for p in products for v in p.variant_ids]
    variants = {v.variant_id: v for v in VariantRecord.batch_get(variant_keys, consistent_read=True)}
    return {p.product_id: catalog.to_dict(p, [variants[v] for v in p.variant_ids if v in variants]) for p in products}


def _known(tenant_id: str, product_ids: list[str]) -> dict[str, dict]:
    found = _by_id(tenant_id, product_ids)
    for i, product_id in enumerate(product_ids):
        if product_id not in found:
            raise Invalid(f"product_ids[{i}]: no such product in this shop", {f"product_ids[{i}]": "unknown"})
    return found


def _matching(tenant_id: str, product_filter: dict) -> Iterator[dict]:
    """Every product passing the filter, newest first, as the merchant's API shows it."""
    cursor = None
    while True:
        page = catalog.list_products(
            tenant_id,
            active_only=False,
            limit=cursors.MAX_LIMIT,
            cursor=cursor,
            status=product_filter.get("status"),
            search=product_filter.get("query"),
        )
        yield from page["items"]
        if not (cursor := page["next"]):
            return


def _selected(tenant_id: str, selection: dict) -> list[dict]:
    if "product_ids" in selection:
        found = _by_id(tenant_id, selection["product_ids"])
        return [found[p] for p in selection["product_ids"] if p in found]
    products = []
    for product in _matching(tenant_id, selection["filter"]):
        products.append(product)
        if len(products) > MOST_PRODUCTS:
            raise Invalid(
                f"filter: matches more than {MOST_PRODUCTS} products; narrow it", {"filter": "too many products"}
            )
    return products


def _answer(edit: dict, results: list[dict], total: int, done: int) -> dict:
    rows = {name: [row for r in results for row in r[name]] for name in ("changes", "skipped", "failures")}
    return {
        **edit,
        "progress": {
            "total": total,
            "done": done,
            "changed": len(rows["changes"]),
            "skipped": len(rows["skipped"]),
            "failed": len(rows["failures"]),
        },
        **{name: found[:SHOWN] for name, found in rows.items()},
        "truncated": any(len(found) > SHOWN for found in rows.values()),
    }


def preview(tenant_id: str, data: dict) -> dict:
    """The dry run: what the edit would do now, writing nothing."""
    action, params, selection = _check(tenant_id, data)
    products = _selected(tenant_id, selection)
    results = []
    for product in products:
        changes, skipped = bulk_changes.decide(action, params, product)
        results.append({"changes": changes, "skipped": skipped, "failures": []})
    edit = {
        "id": None,
        "dry_run": True,
        "action": action,
        "params": params,
        "selection": selection,
        "status": "preview",
        "undo_of": None,
        "undone_by": None,
        "error": None,
        "created_at": clock.now_iso(),
        "finished_at": None,
    }
    return _answer(edit, results, len(products), len(products))


def _new_record(tenant_id: str, action: str, params: dict, selection: dict, **extra) -> BulkEditRecord:
    edit_id, now = keys.new_id(), clock.now_iso()
    actor = audit.acting()
    return BulkEditRecord(
        tenant_id,
        keys.bulk_edit_sk(edit_id),
        bulk_edit_id=edit_id,
        action=action,
        params=params,
        selection=selection,
        status="queued",
        created_at=now,
        updated_at=now,
        gsi1pk=keys.bulk_edits_gsi(tenant_id),
        gsi1sk=edit_id,
        actor=dataclasses.asdict(actor) if actor else None,
        **extra,
    )


def _run(edit: BulkEditRecord) -> dict:
    """Starts the edit's workflow; a start Step Functions refuses leaves the edit failed, saying so."""
    try:
        workflows.start(WORKFLOW, name=f"bulk-edit-{edit.bulk_edit_id}", payload=_payload(edit.pk, edit.bulk_edit_id))
    except (BotoCoreError, ClientError):
        logger.exception("A bulk edit did not start", bulk_edit_id=edit.bulk_edit_id)
        LIFECYCLE.move(edit, "failed", BulkEditRecord.error.set("It could not start; try again"))
    return get(edit.pk, edit.bulk_edit_id)


def _payload(tenant_id: str, bulk_edit_id: str) -> dict:
    """What each task of the workflow gets, and gives back."""
    return {"tenant_id": tenant_id, "bulk_edit_id": bulk_edit_id}


def start(tenant_id: str, data: dict) -> dict:
    """Records the edit and starts it (the answer's status is `queued`, or `failed` if it could not start)."""
    action, params, selection = _check(tenant_id, data)
    edit = _new_record(tenant_id, action, params, selection)
    edit.save(condition=BulkEditRecord.pk.does_not_exist())
    return _run(edit)


def undo(tenant_id: str, bulk_edit_id: str) -> tuple[dict, bool]:
    """Starts the edit's undo: (the undo, True); the undo that already exists: (it, False). 409 while the edit
    still runs."""
    edit = _record(tenant_id, bulk_edit_id)
    for _ in range(lifecycle.ATTEMPTS):
        if edit.undone_by:
            return get(tenant_id, edit.undone_by), False
        if not LIFECYCLE.is_final(edit.status):
            raise Conflict("This bulk edit is still running; undo it once it has finished", {"status": edit.status})
        reverse = _new_record(tenant_id, "undo", {}, {"bulk_edit_id": bulk_edit_id}, undo_of=bulk_edit_id)
        try:
            with TransactWrite(connection=connection()) as tx:
                tx.save(reverse, condition=BulkEditRecord.pk.does_not_exist())
                tx.update(
                    edit,
                    actions=[BulkEditRecord.undone_by.set(reverse.bulk_edit_id)],
                    condition=BulkEditRecord.undone_by.does_not_exist(),
                )
        except TransactWriteError as e:  # another undo got there first: read it
            if not condition_failed(e):
                raise
            edit.refresh(consistent_read=True)
            continue
        return _run(reverse), True
    raise Conflict("This bulk edit is being undone; reload it")


# Reading ------------------------------------------------------------------


def _record(tenant_id: str, bulk_edit_id: str) -> BulkEditRecord:
    return BulkEditRecord.by_id(tenant_id, bulk_edit_id, keys.bulk_edit_sk, "bulk edit")


def _summary(edit: BulkEditRecord) -> dict:
    return {
        "id": edit.bulk_edit_id,
        "dry_run": False,
        "action": edit.action,
        "params": plain(edit.params),
        "selection": plain(edit.selection),
        "status": edit.status,
        "undo_of": edit.undo_of,
        "undone_by": edit.undone_by,
        "error": edit.error,
        "created_at": edit.created_at,
        "finished_at": edit.finished_at,
    }


def _chunks(tenant_id: str, bulk_edit_id: str) -> tuple[BulkEditRecord, list[BulkEditChunk]]:
    """The edit and its chunks, in order: one consistent Query of the edit's prefix."""
    if not keys.is_id(bulk_edit_id):
        raise NotFound("No such bulk edit")
    items = list(
        TenantItem.query(tenant_id, TenantItem.sk.startswith(keys.bulk_edit_sk(bulk_edit_id)), consistent_read=True)
    )
    edit = next((i for i in items if isinstance(i, BulkEditRecord)), None)
    if edit is None:
        raise NotFound("No such bulk edit")
    return edit, [i for i in items if isinstance(i, BulkEditChunk)]


def get(tenant_id: str, bulk_edit_id: str) -> dict:
    """The edit with its progress (products done of the total) and what it changed, skipped and failed so far."""
    edit, chunks = _chunks(tenant_id, bulk_edit_id)
    results = []
    for chunk in chunks:
        done = plain(chunk.results)
        results += [done[i["product_id"]] for i in plain(chunk.items) if i["product_id"] in done]
    return _answer(_summary(edit), results, int(edit.total), len(results))


def list_edits(tenant_id: str, *, limit: int, cursor: str | None) -> dict:
    """The shop's bulk edits, newest first (without their rows: `get` has them)."""
    index, pk = BulkEditRecord.all_bulk_edits, keys.bulk_edits_gsi(tenant_id)
    page = index.query(
        pk,
        scan_index_forward=False,
        limit=limit,
        last_evaluated_key=cursors.decode(cursor, tenant_id, index=(index.Meta.index_name, pk)),
    )
    return {"items": [_summary(e) for e in page], "next": cursors.encode(page.last_evaluated_key)}


# The workflow's tasks -------------------------------------------------------


def _plan_items(tenant_id: str, edit: BulkEditRecord) -> list[dict]:
    """What each product of the edit is to receive: its id, and for an undo the changes to take back."""
    selection = plain(edit.selection)
    if "product_ids" in selection:  # one deleted since the edit was asked for is reported, not left out
        return [{"product_id": p} for p in selection["product_ids"]]
    if edit.action != "undo":
        return [{"product_id": p["id"]} for p in _selected(tenant_id, selection)]
    _, chunks = _chunks(tenant_id, edit.undo_of)
    items = []
    for chunk in chunks:
        done = plain(chunk.results)
        for item in plain(chunk.items):
            changes = done.get(item["product_id"], {}).get("changes")
            if changes:
                items.append({"product_id": item["product_id"], "revert": changes})
    return items


@workflows.task("bulk_edits.plan")
def plan(payload: dict) -> dict:
    """Fixes the products the edit works on, in chunks, and starts it running. A retry after the plan was
    written returns that plan."""
    tenant_id = payload["tenant_id"]
    edit = _record(tenant_id, payload["bulk_edit_id"])
    if edit.chunks is None:
        try:
            items = _plan_items(tenant_id, edit)
        except Invalid as e:
            raise BulkEditRefused(e.message) from None
        with BulkEditChunk.batch_write() as batch:
            for n, start_at in enumerate(range(0, len(items), CHUNK)):
                sk = keys.bulk_edit_chunk_sk(edit.bulk_edit_id, n)
                batch.save(BulkEditChunk(tenant_id, sk, items=items[start_at : start_at + CHUNK]))
        count = -(-len(items) // CHUNK)
        LIFECYCLE.move(edit, "running", BulkEditRecord.total.set(len(items)), BulkEditRecord.chunks.set(count))
        edit.refresh(consistent_read=True)
    return {**_payload(tenant_id, edit.bulk_edit_id), "chunks": list(range(int(edit.chunks or 0)))}


class BulkEditRefused(Exception):
    """The edit cannot run as asked (its filter matches too many products): FailEdit says why."""


@workflows.task("bulk_edits.apply_chunk")
def apply_chunk(payload: dict) -> dict:
    """Edits each product of one chunk not edited yet, recording what it did with it."""
    tenant_id = payload["tenant_id"]
    edit = _record(tenant_id, payload["bulk_edit_id"])
    chunk = BulkEditChunk.get(
        tenant_id, keys.bulk_edit_chunk_sk(edit.bulk_edit_id, payload["chunk"]), consistent_read=True
    )
    done = plain(chunk.results)
    for item in plain(chunk.items):
        if item["product_id"] in done:
            continue
        decision = functools.partial(_decide, edit, item)
        bulk_changes.apply(tenant_id, item["product_id"], decision, _recorder(edit, chunk, item["product_id"]))
    return {}


def _decide(edit: BulkEditRecord, item: dict, product: dict) -> bulk_changes.Decision:
    if edit.action == "undo":
        return bulk_changes.revert(item["revert"], product)
    return bulk_changes.decide(edit.action, plain(edit.params), product)


def _audited(change: dict) -> dict:
    """A change row as the audit log names the product's field: `status`, `variants.<id>.price`."""
    field = change["field"] if change["variant_id"] is None else f"variants.{change['variant_id']}.{change['field']}"
    return {"field": field, "before": change["before"], "after": change["after"]}


def _recorder(edit: BulkEditRecord, chunk: BulkEditChunk, product_id: str) -> bulk_changes.Recorder:
    def record(tx: TransactWrite, result: dict) -> tuple[str, str]:
        tx.update(
            chunk,
            actions=[BulkEditChunk.results[product_id].set(result)],
            condition=BulkEditChunk.results[product_id].does_not_exist(),
        )
        if result["changes"] and edit.actor:  # the product's change in the audit log, once with the change itself
            entry = audit.new_entry(
                chunk.pk,
                audit.Actor(**plain(edit.actor)),
                f"bulk_{edit.action}",
                ("product", product_id),
                [_audited(change) for change in result["changes"]],
            )
            tx.save(entry, condition=audit.AuditEntry.pk.does_not_exist())
        return chunk.pk, chunk.sk

    return record


@workflows.task("bulk_edits.finish")
def finish(payload: dict) -> dict:
    LIFECYCLE.move(_record(payload["tenant_id"], payload["bulk_edit_id"]), "succeeded")
    return _payload(payload["tenant_id"], payload["bulk_edit_id"])


@workflows.task("bulk_edits.fail")
def fail(payload: dict) -> dict:
    """The edit stopped: what was done stays done (and can be undone); the error says why it stopped."""
    error = payload.get("error") or {}
    reason = error.get("Cause") if error.get("Error") == "BulkEditRefused" else "It stopped on an error; try again"
    edit = _record(payload["tenant_id"], payload["bulk_edit_id"])
    LIFECYCLE.move(edit, "failed", BulkEditRecord.error.set(_cause_message(reason)))
    return _payload(payload["tenant_id"], payload["bulk_edit_id"])


def _cause_message(cause: str | None) -> str:
    """A Lambda error's Cause is JSON ({errorMessage, errorType, ...}); the merchant reads its message."""
    try:
        return str(json.loads(cause or "")["errorMessage"])
    except (ValueError, KeyError, TypeError):
        return cause or "It stopped on an error; try again"
