"""What a request costs in time, AWS calls and money, on the emulated stack (run by `make bench`).

    .venv/bin/python bench/performance.py [--requests 300] [--products 10000] [--tenants 1000] [--orders 10]

The emulator (moto, in this process) is much slower than DynamoDB for some calls and its Query
time grows with partition size, so the time spent inside emulated AWS calls is measured apart
(botocore's before-send hook, where moto answers in place of the network and the service) and
never counted as ours:

    app time      = handler time - time inside emulated AWS calls   (our code: routing, Jinja, botocore, ...)
    modeled prod  = app time + each AWS call at a stated in-region latency (LATENCY_MS)
    raw total     = handler time in this process, emulator included (for reference only)

Requests go to the Lambda handler itself (`app.app(event, context)` with API Gateway proxy
events, infra/proxy_events.py), warm, with production logging and metrics on (their output is
discarded). Writes bench/results/latest.{md,json} and bench/results/chart.svg.
"""

import argparse
import contextlib
import gc
import json
import math
import os
import shutil
import statistics
import subprocess
import sys
import threading
import time
import uuid
import zipfile
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
RESULTS = ROOT / "bench" / "results"

# Modeled in-region latency of each call from a Lambda function, p50, in ms. DynamoDB promises
# "single-digit millisecond performance at any scale" (https://aws.amazon.com/dynamodb/features/);
# GetItem 4 ms and Query 8 ms are the figures issue 6 states, the rest are scaled from them by
# the work each call does. STS, Step Functions and SES answer in tens of ms.
LATENCY_MS = {
    "dynamodb:GetItem": 4,
    "dynamodb:Query": 8,
    "dynamodb:BatchGetItem": 6,
    "dynamodb:PutItem": 6,
    "dynamodb:UpdateItem": 6,
    "dynamodb:DeleteItem": 6,
    "dynamodb:TransactWriteItems": 12,
    "dynamodb:TransactGetItems": 8,
    "dynamodb:BatchWriteItem": 10,
    "s3:GetObject": 20,
    "s3:PutObject": 30,
    "sts:AssumeRole": 30,
    "sfn:StartExecution": 25,
    "sfn:SendTaskSuccess": 20,
    "sfn:SendTaskFailure": 20,
    "sfn:DescribeExecution": 15,
    "ses:SendEmail": 40,
    "eventbridge:PutEvents": 15,
}
DEFAULT_LATENCY_MS = 20

# us-east-1 list prices, as of this date (https://aws.amazon.com/{step-functions,lambda,dynamodb,
# api-gateway,eventbridge,ses}/pricing/).
PRICES_AS_OF = "2026-11-23"
PRICE = {
    "sfn_transition": 0.025 / 1000,  # Step Functions Standard, per state transition
    "lambda_request": 0.20 / 1_000_000,
    "lambda_gb_second": 0.0000166667,
    "ddb_write_unit": 0.625 / 1_000_000,  # on-demand write request unit
    "ddb_read_unit": 0.125 / 1_000_000,  # on-demand read request unit
    "apigw_request": 3.50 / 1_000_000,  # REST API
    "eventbridge_event": 1.00 / 1_000_000,
    "ses_email": 0.10 / 1000,
}
LAMBDA_GB = 0.5  # .chalice/config.json lambda_memory_size 512

TARGETS = {
    "storefront_app_p75_ms": 5,
    "storefront_app_p99_ms": 25,
    "storefront_ddb_calls": 2,
    "modeled_p75_ms": 20,
    "import_ms": 300,
    "package_mb": 10,
    "transitions_per_order": 10,
    "cost_per_1000_orders": 0.30,
}


# Measuring ---------------------------------------------------------------


class Invocation:
    def __init__(self, kind: str):
        self.kind, self.started, self.emulator_s = kind, time.perf_counter(), 0.0
        self.calls: Counter = Counter()
        self.read_units = self.write_units = 0.0
        self.platform_calls = 0  # tenant resolution (a host's claim) and SLA flushes
        self.duration_s = 0.0

    @property
    def app_ms(self) -> float:
        return (self.duration_s - self.emulator_s) * 1000

    @property
    def modeled_ms(self) -> float:
        return self.app_ms + sum(LATENCY_MS.get(op, DEFAULT_LATENCY_MS) * n for op, n in self.calls.items())


class Probe:
    """Attributes every AWS call (and the emulator's time answering it) to the Lambda invocation
    running on that thread: API requests (Chalice's handler) and workflow tasks."""

    def __init__(self):
        self.local = threading.local()
        self.invocations: list[Invocation] = []
        self.unattributed: Counter = Counter()
        self.lock = threading.Lock()
        self.platform_table = os.environ.get("PLATFORM_TABLE")

    def current(self) -> Invocation | None:
        return getattr(self.local, "invocation", None)

    @contextlib.contextmanager
    def invocation(self, kind: str):
        outer, inv = self.current(), Invocation(kind)
        self.local.invocation = inv
        try:
            yield inv
        finally:
            inv.duration_s = time.perf_counter() - inv.started
            self.local.invocation = outer
            with self.lock:
                self.invocations.append(inv)

    def install(self, runtime) -> None:
        from chalice.app import Chalice
        from moto.core.botocore_stubber import BotocoreStubber

        probe, answer, handle = self, BotocoreStubber.__call__, Chalice.__call__

        def timed_answer(stubber, event_name, request, **kwargs):
            inv = probe.current()
            started = time.perf_counter()
            response = answer(stubber, event_name, request, **kwargs)
            _, service, operation = event_name.split(".", 2)
            if inv is None:
                probe.unattributed[f"{service}:{operation}"] += 1
                return response
            inv.calls[f"{service}:{operation}"] += 1
            if service == "dynamodb":
                reads, writes, table = capacity_units(operation, request, response)
                inv.read_units += reads
                inv.write_units += writes
                inv.platform_calls += table == probe.platform_table
            inv.emulator_s += time.perf_counter() - started  # the probe's own bookkeeping is not ours either
            return response

        BotocoreStubber.__call__ = timed_answer

        def handler(app, event, context):
            with probe.invocation("api"):
                return handle(app, event, context)

        Chalice.__call__ = handler

        for name, fn in list(runtime._lambda_handlers.items()):

            def task(event, context, fn=fn, name=name):
                with probe.invocation(name.rsplit("-", 1)[1]):
                    return fn(event, context)

            runtime._lambda_handlers[name] = task


def _size(item: dict) -> int:
    """Approximate DynamoDB item size (attribute names and values as JSON)."""
    return len(json.dumps(item, separators=(",", ":")))


def capacity_units(operation: str, request, response) -> tuple[float, float, str | None]:
    """(read, write) request units of a DynamoDB call, from what it sent and got back (approximate),
    and the table it named."""
    try:
        sent = json.loads(request.body or b"{}")
        got = json.loads(response.content) if response is not None else {}
    except ValueError:
        return 0.0, 0.0, None
    return (*_units(operation, sent, got), sent.get("TableName"))


def _units(operation: str, sent: dict, got: dict) -> tuple[float, float]:
    consistent = 1.0 if sent.get("ConsistentRead") else 0.5
    if operation == "GetItem":
        return consistent * max(1, math.ceil(_size(got.get("Item", {})) / 4096)), 0.0
    if operation == "Query":
        return consistent * max(1, math.ceil(sum(map(_size, got.get("Items", []))) / 4096)), 0.0
    if operation == "BatchGetItem":
        items = [i for rows in got.get("Responses", {}).values() for i in rows]
        return sum(consistent * max(1, math.ceil(_size(i) / 4096)) for i in items), 0.0
    if operation == "TransactGetItems":
        return sum(2 * max(1, math.ceil(_size(r.get("Item", {})) / 4096)) for r in got.get("Responses", [])), 0.0
    if operation in ("PutItem", "UpdateItem", "DeleteItem"):
        return 0.0, max(1, math.ceil(_size(sent.get("Item", sent.get("Key", {}))) / 1024))
    if operation == "BatchWriteItem":
        writes = [w for rows in sent.get("RequestItems", {}).values() for w in rows]
        return 0.0, sum(max(1, math.ceil(_size(w) / 1024)) for w in writes)
    if operation == "TransactWriteItems":
        return 0.0, sum(2 * max(1, math.ceil(_size(t) / 1024)) for t in sent.get("TransactItems", []))
    return 0.0, 0.0


def percentile(values: list[float], p: float) -> float:
    ordered = sorted(values)
    k = (len(ordered) - 1) * p / 100
    lo, hi = math.floor(k), math.ceil(k)
    return ordered[lo] + (ordered[hi] - ordered[lo]) * (k - lo)


def narrow_emulator_queries() -> None:
    """moto's Query walks and sorts the whole table on every call (Table.all_items), with a
    DynamoDB-typed comparison per step: a product page of a 10,000-product shop took seconds of
    emulator time, and the bench would take an hour. Every item a tenant's query can match lives
    in that tenant's base partition (keys.py: base and index partition keys start with the tenant
    id), so for string keys the bench hands moto only the candidates, in key order, after the
    start key (and, without a filter, one more than the limit): moto then answers exactly as it
    would have (its own sorting, filtering, limit and LastEvaluatedKey), in a fraction of the
    time. Anything else (other comparisons, other key types) goes to moto untouched. The emulator's time is never
    counted as ours either way."""
    from moto.dynamodb.models.dynamo_type import DynamoType
    from moto.dynamodb.models.table import Table

    original = Table.query

    def candidates(table, hash_key, comparison, operands, limit, start_key, forward, index_name, extra):
        # moto 5.2.5 passes key conditions in these lists (the older arguments may be empty)
        if hash_key is None and len(extra.get("hash_key_conditions") or []) == 1:
            hash_key = extra["hash_key_conditions"][0][1]
        ranges = extra.get("range_key_conditions") or []
        if comparison is None and len(ranges) == 1:
            _, comparison, operands = ranges[0]
        elif len(ranges) > 1:
            return None
        value = getattr(hash_key, "value", None)
        no_filter = extra.get("filter_expression") is None or type(extra["filter_expression"]).__name__ == "OpDefault"
        if (
            not isinstance(value, str)
            or not table.range_key_attr
            or any(
                v
                for k, v in extra.items()
                if k not in ("consistent_read", "filter_expression", "hash_key_conditions", "range_key_conditions")
            )
        ):
            return None
        base = DynamoType({"S": value if index_name is None else value.split("#")[0]})
        partition = table.items.get(base)
        if partition is None:
            return None
        if index_name is None:
            if comparison not in (None, "BEGINS_WITH"):
                return None
            prefix = operands[0].value if comparison else ""
            items = [
                i
                for i in partition.values()
                if isinstance(i.range_key.value, str) and i.range_key.value.startswith(prefix)
            ]
            key = lambda i: (i.range_key.value,)  # noqa: E731
            start = (start_key[table.range_key_attr]["S"],) if start_key else None
        else:
            index = next(i for i in table.all_indexes() if i.name == index_name)
            hash_attr = next(k["AttributeName"] for k in index.schema if k["KeyType"] == "HASH")
            range_attr = next((k["AttributeName"] for k in index.schema if k["KeyType"] == "RANGE"), None)
            if comparison is not None or range_attr is None:
                return None
            items = [
                i
                for i in partition.values()
                if getattr(i.attrs.get(hash_attr), "value", None) == value
                and isinstance(getattr(i.attrs.get(range_attr), "value", None), str)
            ]
            key = lambda i: (i.attrs[range_attr].value, i.range_key.value)  # noqa: E731
            start = (start_key[range_attr]["S"], start_key[table.range_key_attr]["S"]) if start_key else None
        items.sort(key=key, reverse=forward is False)
        if start is not None:
            items = [i for i in items if (key(i) > start if forward is not False else key(i) < start)]
        if limit and no_filter:  # a filter applies after the limit: leave moto every candidate then
            items = items[: limit + 1]
        return {base: {i.range_key: i for i in items}}

    def query(
        self,
        hash_key,
        range_comparison,
        range_objs,
        limit,
        exclusive_start_key,
        scan_index_forward,
        projection_expressions,
        index_name=None,
        consistent_read=False,
        filter_expression=None,
        **extra,
    ):
        args = (
            self,
            hash_key,
            range_comparison,
            range_objs,
            limit,
            exclusive_start_key,
            scan_index_forward,
            projection_expressions,
            index_name,
            consistent_read,
            filter_expression,
        )
        narrowed = candidates(
            self,
            hash_key,
            range_comparison,
            range_objs,
            limit,
            exclusive_start_key,
            scan_index_forward,
            index_name,
            {**extra, "filter_expression": filter_expression},
        )
        if narrowed is None:
            return original(*args, **extra)
        everything = self.items
        self.items = narrowed
        try:
            return original(*args, **extra)
        finally:
            self.items = everything

    Table.query = query


# The shop ----------------------------------------------------------------

PASSWORD = "bench password 1"


def bulk_products(tenant_id: str, currency: str, count: int) -> list[str]:
    """`count` active products with one variant each, written as product_editing.create_product writes them
    (BatchWriteItem instead of one transaction each: 10,000 transactions would take the emulator long)."""
    from chalicelib import clock, keys, product_editing
    from chalicelib.db import HandleClaim, ProductRecord, VariantRecord

    handles, now = [], clock.now_iso()
    with (
        ProductRecord.batch_write() as products,
        VariantRecord.batch_write() as variants,
        HandleClaim.batch_write() as claims,
    ):
        for n in range(count):
            product_id = keys.new_id()
            variant_id = keys.new_variant_id(product_id)
            handle = f"bench-product-{n}-{product_id[-6:].lower()}"
            variant = VariantRecord(
                tenant_id,
                keys.variant_sk(variant_id),
                variant_id=variant_id,
                product_id=product_id,
                sku=f"SKU-{n}",
                title="M",
                price=1000 + n % 5000,
                currency=currency,
                inventory_quantity=1_000_000,
                options={"Size": "M"},
            )
            product = ProductRecord(
                tenant_id,
                keys.product_sk(product_id),
                product_id=product_id,
                title=f"Bench product {n}",
                description="A product for the bench. " * 8,
                status="active",
                images=[],
                seo={},
                currency=currency,
                created_at=now,
                updated_at=now,
                gsi1pk=keys.products_gsi(tenant_id),
                gsi1sk=product_id,
                handle=handle,
                version=1,
            )
            product_editing._summary(product, [variant])
            products.save(product)
            variants.save(variant)
            claims.save(HandleClaim(tenant_id, keys.handle_sk(handle), product_id=product_id))
            handles.append(handle)
    return handles


def bulk_tenants(count: int, currency: str = "USD", products_each: int = 5) -> list[str]:
    """Shops as signup leaves them (claims, profile, registry entry), without a password hash each."""
    from chalicelib import auth, clock, keys, tenants
    from chalicelib.db import Claim, ShopRecord, TenantEntry

    password_hash, now, subs = auth.hash_password(PASSWORD), clock.now_iso(), []
    with Claim.batch_write() as claims, ShopRecord.batch_write() as shops, TenantEntry.batch_write() as entries:
        for n in range(count):
            tenant_id, sub = keys.new_id(), f"bench{n:05d}{uuid.uuid4().hex[:4]}"
            claims.save(Claim(keys.subdomain_claim(sub), keys.CLAIM_SK, tenant_id=tenant_id, created_at=now))
            claims.save(
                Claim(
                    keys.email_claim(f"{sub}@bench.test"),
                    keys.CLAIM_SK,
                    tenant_id=tenant_id,
                    user_id=keys.new_id(),
                    role="merchant",
                    password_hash=password_hash,
                    created_at=now,
                )
            )
            shops.save(
                ShopRecord(
                    tenant_id,
                    keys.SHOP_SK,
                    tenant_id=tenant_id,
                    name=f"Bench {n}",
                    subdomain=sub,
                    currency=currency,
                    owner_email=f"{sub}@bench.test",
                    created_at=now,
                    theme=dict(tenants.__dict__.get("DEFAULT_THEME", {})),
                )
            )
            entries.save(TenantEntry(keys.TENANTS_PK, tenant_id, tenant_id=tenant_id, subdomain=sub, created_at=now))
            subs.append((tenant_id, sub))
    for tenant_id, _ in subs:
        bulk_products(tenant_id, currency, products_each)
    return [s for _, s in subs]


class Bench:
    def __init__(self, requests: int):
        self.requests = requests
        from infra.local import runtime

        self.runtime = runtime
        runtime.start()
        import app as app_module

        self.app = app_module.app
        runtime.register_app(self.app)
        self.probe = Probe()
        self.probe.install(runtime)
        narrow_emulator_queries()
        from infra.proxy_events import Gateway

        self.gateway = Gateway(self.app, self.app)
        self.devnull = open(os.devnull, "w")
        from chalicelib.observability import logger

        logger.registered_handler.setStream(self.devnull)  # production's INFO logs, discarded

    def call(self, method, path, host, **kw) -> dict:
        with contextlib.redirect_stdout(self.devnull):  # production logs and metrics, discarded
            return self.gateway.request(method, path, host=host, **kw)

    def signup(self, sub: str) -> tuple[str, str]:
        r = self.call(
            "POST",
            "/api/merchants/signup",
            "localhost",
            body={"email": f"{sub}@bench.test", "password": PASSWORD, "shop_name": f"Bench {sub}", "subdomain": sub},
        )
        assert r["statusCode"] == 201, r
        body = json.loads(r["body"])
        return body["shop"]["id"], body["token"]

    def measure(self, label: str, requests: list[tuple], warmup: int = 20) -> dict:
        """Times each (method, path, host, kwargs) request; the first `warmup` are not counted."""
        for method, path, host, kw in requests[:warmup]:
            self.call(method, path, host, **kw)
        # The emulator's tables live in this process; in Lambda they do not: keep them out of GC scans.
        gc.collect()
        gc.freeze()
        start = len(self.probe.invocations)
        statuses = Counter()
        for method, path, host, kw in requests[warmup:]:
            statuses[self.call(method, path, host, **kw)["statusCode"]] += 1
        runs = [i for i in self.probe.invocations[start:] if i.kind == "api"]
        calls = Counter()
        for i in runs:
            calls.update(i.calls)
        n = len(runs)
        app = [i.app_ms for i in runs]
        modeled = [i.modeled_ms for i in runs]
        raw = [i.duration_s * 1000 for i in runs]
        steady = [i for i in runs if i.platform_calls == 0]
        steady_calls = Counter()
        for i in steady:
            steady_calls.update(i.calls)
        return {
            "page": label,
            "requests": n,
            "statuses": dict(statuses),
            "steady_share": round(len(steady) / n, 3),
            "steady_ddb_calls": round(
                sum(v for k, v in steady_calls.items() if k.startswith("dynamodb:")) / max(1, len(steady)), 2
            ),
            "app_p50": percentile(app, 50),
            "app_p75": percentile(app, 75),
            "app_p99": percentile(app, 99),
            "modeled_p50": percentile(modeled, 50),
            "modeled_p75": percentile(modeled, 75),
            "modeled_p99": percentile(modeled, 99),
            "raw_p50": percentile(raw, 50),
            "raw_p75": percentile(raw, 75),
            "calls_per_request": {k: round(v / n, 2) for k, v in sorted(calls.items())},
            "ddb_calls_per_request": round(sum(v for k, v in calls.items() if k.startswith("dynamodb:")) / n, 2),
        }


# Checkout -> paid -------------------------------------------------------------


def checkout_flows(bench: Bench, orders: int) -> dict | None:
    """Orders placed through the real checkout (Step Functions, the Stripe emulator's webhooks), counted."""
    if "/api/store/carts/{cart_id}/checkout" not in bench.app.routes:
        return None
    import socket

    from chalicelib import checkout, workflows
    from infra.local import stripe_emulator
    from infra.local.server import make_server

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    server = make_server(bench.app, "127.0.0.1", port)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    emulator = stripe_emulator.start(port=0, webhook_url=f"http://127.0.0.1:{port}/api/webhooks/stripe")
    os.environ.update(
        {
            "STRIPE_SECRET_KEY": "sk_test_local",
            "STRIPE_API_BASE": emulator.base_url,
            "STRIPE_WEBHOOK_SECRET": emulator.webhook_secret,
        }
    )
    sub = f"benchpay{uuid.uuid4().hex[:6]}"
    tenant_id, token = bench.signup(sub)
    auth = {"authorization": f"Bearer {token}"}
    account = json.loads(bench.call("POST", "/api/admin/payments/account", "localhost", headers=auth, body={})["body"])
    emulator.complete_onboarding(account["account_id"])
    bench.call("GET", "/api/admin/payments/account", "localhost", headers=auth)  # as Stripe says now
    variant = json.loads(
        bench.call(
            "POST",
            "/api/admin/products",
            "localhost",
            headers=auth,
            body={
                "title": "Checkout bench tee",
                "status": "active",
                "variants": [{"sku": "CB-1", "price": 2500, "inventory_quantity": 100000, "options": {"Size": "M"}}],
            },
        )["body"]
    )["variants"][0]["id"]
    host = f"{sub}.localhost"
    address = {
        "name": "Bench Buyer",
        "line1": "1 Main St",
        "city": "Springfield",
        "postal_code": "12345",
        "country": "US",
    }
    per_order, polls = [], 0

    def status(checkout_id):
        nonlocal polls
        polls += 1
        return json.loads(bench.call("GET", f"/api/store/checkouts/{checkout_id}", host)["body"])

    def until(checkout_id, wanted):
        deadline = time.monotonic() + 60
        while True:
            state = status(checkout_id)
            if state["status"] in wanted or time.monotonic() > deadline:
                return state
            time.sleep(0.02)

    for _ in range(orders):
        start, polls_before = len(bench.probe.invocations), polls
        cart = json.loads(bench.call("POST", "/api/store/carts", host, body={})["body"])["id"]
        bench.call("POST", f"/api/store/carts/{cart}/items", host, body={"variant_id": variant, "quantity": 1})
        answer = bench.call(
            "POST",
            f"/api/store/carts/{cart}/checkout",
            host,
            body={"email": "buyer@bench.test", "shipping_address": address},
        )
        assert answer["statusCode"] == 202, answer["body"]
        checkout_id = json.loads(answer["body"])["checkout_id"]
        awaiting = until(checkout_id, ("awaiting_payment", "failed", "expired"))
        emulator.pay(awaiting["payment_url"].rstrip("/").rsplit("/", 1)[1], "succeed")
        paid = until(checkout_id, ("paid", "failed", "expired"))
        assert paid["status"] == "paid", paid
        arn = checkout.execution_arn(checkout_id)
        deadline = time.monotonic() + 60
        while workflows.status(arn) == "RUNNING" and time.monotonic() < deadline:
            time.sleep(0.02)
        time.sleep(0.3)  # a webhook retry or a late task still being counted
        history = workflows._client().get_execution_history(executionArn=arn, maxResults=1000)["events"]
        runs = bench.probe.invocations[start:]
        calls = Counter()
        for i in runs:
            calls.update(i.calls)
        per_order.append(
            {
                "transitions": sum(1 for e in history if e["type"].endswith("StateEntered")),
                "api_requests": sum(1 for i in runs if i.kind == "api"),
                "status_polls": polls - polls_before,
                "task_invocations": sum(1 for i in runs if i.kind != "api"),
                "lambda_gb_seconds": sum(math.ceil(i.modeled_ms) for i in runs) / 1000 * LAMBDA_GB,
                "read_units": sum(i.read_units for i in runs),
                "write_units": sum(i.write_units for i in runs),
                "ddb_calls": sum(v for k, v in calls.items() if k.startswith("dynamodb:")),
                "events": calls.get("eventbridge:PutEvents", 0),
                "emails": calls.get("ses:SendEmail", 0),
                "calls": dict(calls),
            }
        )
    emulator.stop()
    server.shutdown()
    avg = {k: statistics.mean(o[k] for o in per_order) for k in per_order[0] if k != "calls"}
    # The shopper's page polls its checkout: count two (one to find the payment page, one for the result).
    modeled_polls = 2
    api_requests = avg["api_requests"] - avg["status_polls"] + modeled_polls
    lambda_requests = api_requests + avg["task_invocations"]
    cost = {
        "step_functions": avg["transitions"] * PRICE["sfn_transition"],
        "lambda_requests": lambda_requests * PRICE["lambda_request"],
        "lambda_compute": avg["lambda_gb_seconds"] * PRICE["lambda_gb_second"],
        "dynamodb": avg["write_units"] * PRICE["ddb_write_unit"] + avg["read_units"] * PRICE["ddb_read_unit"],
        "api_gateway": api_requests * PRICE["apigw_request"],
        "eventbridge": avg["events"] * PRICE["eventbridge_event"],
        "ses": avg["emails"] * PRICE["ses_email"],
    }
    return {
        "orders": orders,
        "per_order": {k: round(v, 2) for k, v in avg.items()},
        "api_requests_modeled": api_requests,
        "lambda_invocations": lambda_requests,
        "cost_per_1000_orders": {k: round(v * 1000, 4) for k, v in cost.items()},
        "cost_per_1000_orders_total": round(sum(cost.values()) * 1000, 4),
        "tenant_id": tenant_id,
        "admin_token": token,
        "sub": sub,
    }


# Cold start and package ----------------------------------------------------

# Imports the handler module as Lambda does: the deployment package first, then only what the
# Lambda runtime provides (boto3, botocore and their dependencies), no site-packages.
IMPORT_PROBE = """
import sys, time
sys.path[:0] = {paths!r}
started = time.perf_counter()
import app
print(round((time.perf_counter() - started) * 1000, 1), "stripe" in sys.modules)
"""
RUNTIME_MODULES = ("boto3", "botocore", "s3transfer", "jmespath", "dateutil", "urllib3", "six.py")


def cold_import(package_dir: Path, runs: int = 7) -> dict:
    """With the Lambda runtime's Python when this machine has one (the package's bytecode is for it)."""
    import site
    import tempfile

    from infra import package

    python = package.lambda_python() or sys.executable
    with tempfile.TemporaryDirectory() as runtime_dir:
        for name in RUNTIME_MODULES:  # as the runtime has them: with bytecode for its Python
            found = next(Path(p) / name for p in site.getsitepackages() if (Path(p) / name).exists())
            copy = shutil.copytree if found.is_dir() else shutil.copy2
            copy(
                found,
                Path(runtime_dir) / name,
                **({"ignore": shutil.ignore_patterns("__pycache__")} if found.is_dir() else {}),
            )
        subprocess.run(
            [python, "-m", "compileall", "-q", "-j", "0", "--invalidation-mode", "unchecked-hash", runtime_dir],
            capture_output=True,
            check=True,
        )
        times, stripe = [], False
        for _ in range(runs):
            out = subprocess.run(
                [python, "-S", "-c", IMPORT_PROBE.format(paths=[str(package_dir), runtime_dir])],
                capture_output=True,
                text=True,
                check=True,
                cwd=package_dir,
            ).stdout.split()
            times.append(float(out[0]))
            stripe = stripe or out[1] == "True"
    return {
        "import_ms_min": min(times),
        "import_ms_median": statistics.median(times),
        "stripe_imported": stripe,
        "python": subprocess.run(
            [python, "-c", "import sys; print(sys.version.split()[0])"], capture_output=True, text=True
        ).stdout.strip(),
    }


def package_and_cold_start() -> tuple[dict, dict]:
    import tempfile

    from infra import package

    with tempfile.TemporaryDirectory() as tmp:
        built = package.build("dev", Path(tmp) / "out")
        with zipfile.ZipFile(built["zip"]) as z:
            unzipped = sum(i.file_size for i in z.infolist())
            z.extractall(Path(tmp) / "task")
        pkg = {
            "zip_mb": round(built["zip_bytes"] / 1e6, 2),
            "unzipped_mb": round(unzipped / 1e6, 2),
            "lint_errors": len(built["lint_errors"]),
        }
        return pkg, cold_import(Path(tmp) / "task")


# Report --------------------------------------------------------------------


def chart(pages: list[dict]) -> str:
    """Horizontal bars: app time p50/p75/p99 and modeled p75 per page type, with the targets."""
    rows = [(p["page"], p["app_p50"], p["app_p75"], p["app_p99"], p["modeled_p75"]) for p in pages]
    scale_max = max(30.0, max(max(r[1:]) for r in rows) * 1.1)
    width, left, bar, gap = 760, 190, 11, 16
    height = 60 + len(rows) * (4 * bar + gap) + 50
    x = lambda v: left + (width - left - 20) * min(v, scale_max) / scale_max  # noqa: E731
    colours = [("app p50", "#8fb3d9"), ("app p75", "#3d78b3"), ("app p99", "#1f3a5f"), ("modeled p75", "#e4572e")]
    out = [
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" font-family="sans-serif" '
        f'font-size="12"><rect width="100%" height="100%" fill="#fff"/>',
        '<text x="10" y="20" font-size="14" font-weight="bold">Time per request (ms), warm, 10,000-product shop</text>',
    ]
    for i, (name, colour) in enumerate(colours):
        out.append(
            f'<rect x="{10 + i * 150}" y="32" width="10" height="10" fill="{colour}"/>'
            f'<text x="{24 + i * 150}" y="41">{name}</text>'
        )
    y = 60
    for row in rows:
        out.append(f'<text x="10" y="{y + 2 * bar + 4}">{row[0]}</text>')
        for j, value in enumerate(row[1:]):
            out.append(
                f'<rect x="{left}" y="{y + j * bar}" width="{x(value) - left:.1f}" height="{bar - 2}" '
                f'fill="{colours[j][1]}"/><text x="{x(value) + 4:.1f}" y="{y + j * bar + 9}" '
                f'font-size="10">{value:.1f}</text>'
            )
        y += 4 * bar + gap
    for i, (target, label, colour) in enumerate(
        ((5, "app p75 target", "#3d78b3"), (20, "modeled p75 target", "#e4572e"), (25, "app p99 target", "#1f3a5f"))
    ):
        out.append(
            f'<line x1="{x(target):.1f}" y1="50" x2="{x(target):.1f}" y2="{y + 12 * i}" stroke="{colour}" '
            f'stroke-dasharray="4 3"/><text x="{x(target) + 2:.1f}" y="{y + 10 + 12 * i}" font-size="10" '
            f'fill="{colour}">{label} {target}</text>'
        )
    out.append("</svg>")
    return "\n".join(out)


def table(result: dict) -> str:
    lines = [
        f"Bench of {result['date']} ({result['requests_per_page']} warm requests per page type; "
        f"shop of {result['products']:,} products; times in ms; load average "
        f"{result['load_average'][0]} on {result['cpus']} CPUs at the start)",
        "",
        "| page | app p50 | app p75 | app p99 | modeled p50 | modeled p75 | raw p50 | DynamoDB calls/req "
        "(steady) | AWS calls per request (all) | requests with a resolution or SLA flush |",
        "|---|---|---|---|---|---|---|---|---|---|",
    ]
    for p in result["pages"]:
        calls = ", ".join(f"{k.split(':')[1]} {v:g}" for k, v in p["calls_per_request"].items()) or "none"
        lines.append(
            f"| {p['page']} | {p['app_p50']:.2f} | {p['app_p75']:.2f} | {p['app_p99']:.2f} | "
            f"{p['modeled_p50']:.1f} | {p['modeled_p75']:.1f} | {p['raw_p50']:.1f} | "
            f"{p['steady_ddb_calls']:g} | {calls} | {1 - p['steady_share']:.0%} |"
        )
    lines += [
        "",
        "Scaling:",
        "",
        "| case | app p50 | app p75 | app p99 | DynamoDB calls/req (steady) | AWS calls per request (all) | "
        "modeled p75 |",
        "|---|---|---|---|---|---|---|",
    ]
    for p in result["scaling"]:
        calls = ", ".join(f"{k.split(':')[1]} {v:g}" for k, v in p["calls_per_request"].items())
        steady = f"{p['steady_ddb_calls']:g}" if p["steady_share"] else "none steady: each request resolves its shop"
        lines.append(
            f"| {p['page']} | {p['app_p50']:.2f} | {p['app_p75']:.2f} | {p['app_p99']:.2f} | "
            f"{steady} | {calls} | {p['modeled_p75']:.1f} |"
        )
    cold, pkg = result["cold_start"], result["package"]
    lines += [
        "",
        f"Cold init: handler import {cold['import_ms_min']:.0f} ms (min of 7 fresh Python {cold['python']} "
        f"processes importing app from the deployment package; median {cold['import_ms_median']:.0f} ms); "
        f"stripe imported at start-up: {cold['stripe_imported']}.",
        f"Package: {pkg['zip_mb']} MB zipped ({pkg['unzipped_mb']} MB unzipped), "
        f"cfn-lint errors: {pkg['lint_errors']}.",
    ]
    co = result["checkout"]
    lines += ["", "Checkout -> paid (per order):" if co else "Checkout -> paid: the app has no checkout yet."]
    if co:
        po = co["per_order"]
        lines += [
            "",
            "| state transitions | Lambda invocations | of which API requests | workflow task invocations | "
            "DynamoDB calls | read units | write units | events | emails |",
            "|---|---|---|---|---|---|---|---|---|",
            f"| {po['transitions']:g} | {co['lambda_invocations']:g} | {co['api_requests_modeled']:g} | "
            f"{po['task_invocations']:g} | {po['ddb_calls']:g} | {po['read_units']:g} | {po['write_units']:g} | "
            f"{po['events']:g} | {po['emails']:g} |",
            "",
            f"AWS cost per 1,000 orders (us-east-1 list prices of {PRICES_AS_OF}): "
            f"${co['cost_per_1000_orders_total']:.4f} = "
            + " + ".join(f"{k} ${v:.4f}" for k, v in co["cost_per_1000_orders"].items()),
            f"(over {co['orders']} orders; API requests count two checkout status polls per order, "
            f"the rest as measured)",
        ]
    return "\n".join(lines)


def verdicts(result: dict) -> list[dict]:
    store = [p for p in result["pages"] if p["page"].startswith("storefront")]
    worst = lambda key: max(p[key] for p in store)  # noqa: E731
    out = [
        ("storefront app p75", worst("app_p75"), TARGETS["storefront_app_p75_ms"], "ms"),
        ("storefront app p99", worst("app_p99"), TARGETS["storefront_app_p99_ms"], "ms"),
        ("DynamoDB calls per storefront page (steady)", worst("steady_ddb_calls"), TARGETS["storefront_ddb_calls"], ""),
        ("modeled production p75", worst("modeled_p75"), TARGETS["modeled_p75_ms"], "ms"),
        ("handler import", result["cold_start"]["import_ms_min"], TARGETS["import_ms"], "ms"),
        ("package zipped", result["package"]["zip_mb"], TARGETS["package_mb"], "MB"),
    ]
    if result["checkout"]:
        out += [
            (
                "state transitions per order",
                result["checkout"]["per_order"]["transitions"],
                TARGETS["transitions_per_order"],
                "",
            ),
            (
                "AWS cost per 1,000 orders",
                result["checkout"]["cost_per_1000_orders_total"],
                TARGETS["cost_per_1000_orders"],
                "$",
            ),
        ]
    return [target_row(name, value, target, unit) for name, value, target, unit in out]


def target_row(name: str, figure: float, target: float, unit: str = "") -> dict:
    """One target as every bench script records it in bench/results/<script>.json (bench/run.py sums them up)."""
    return {"name": name, "figure": round(figure, 4), "target": target, "unit": unit, "met": figure <= target}


def verdict_line(row: dict) -> str:
    verdict, unit = "met " if row["met"] else "MISSED", row["unit"]
    return f"{verdict} {row['name']}: {row['figure']:.2f}{unit} (target <= {row['target']}{unit})"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--requests", type=int, default=200, help="measured requests per page type")
    parser.add_argument("--products", type=int, default=10_000)
    parser.add_argument("--tenants", type=int, default=1000)
    parser.add_argument("--orders", type=int, default=10)
    args = parser.parse_args()
    os.environ.setdefault("SHOP_CACHE_SECONDS", "5")  # production's
    os.environ["POWERTOOLS_LOG_LEVEL"] = "INFO"
    os.environ["POWERTOOLS_METRICS_DISABLED"] = "false"
    from infra.local import runtime

    runtime.configure_environment()
    clock = time.perf_counter()
    load_at_start = os.getloadavg()  # other work on the machine inflates every time below
    print("cold start and package...", flush=True)
    pkg, cold = package_and_cold_start()
    bench = Bench(args.requests)
    print(f"seeding a shop of {args.products:,} products...", flush=True)
    big_sub = f"benchbig{uuid.uuid4().hex[:6]}"
    big_tenant, big_token = bench.signup(big_sub)
    handles = bulk_products(big_tenant, "USD", args.products)
    small_sub = f"benchsmall{uuid.uuid4().hex[:6]}"
    small_tenant, _ = bench.signup(small_sub)
    small_handles = bulk_products(small_tenant, "USD", 100)
    n = args.requests + 20
    big, small = f"{big_sub}.localhost", f"{small_sub}.localhost"
    print("checkout -> paid...", flush=True)
    checkout = checkout_flows(bench, args.orders)
    cart_host, cart_headers = big, {}
    if "/api/store/carts" in bench.app.routes:
        cart = json.loads(bench.call("POST", "/api/store/carts", big, body={})["body"])
        product = json.loads(bench.call("GET", "/api/store/products?limit=2", big)["body"])["items"]
        for p in product:
            bench.call(
                "POST",
                f"/api/store/carts/{cart['id']}/items",
                big,
                body={"variant_id": p["variants"][0]["id"], "quantity": 1},
            )
        cart_headers = {"cookie": f"cart={cart['id']}"}
    print("pages...", flush=True)
    home = bench.measure("storefront home", [("GET", "/", big, {})] * n)
    product_page = bench.measure(
        "storefront product", [("GET", f"/products/{handles[i % 500]}", big, {}) for i in range(n)]
    )
    pages = [
        home,
        product_page,
        bench.measure("storefront cart", [("GET", "/cart", cart_host, {"headers": cart_headers})] * n),
    ]
    if checkout and "/api/admin/orders" in bench.app.routes:
        auth = {"authorization": f"Bearer {checkout['admin_token']}"}
        pages.append(
            bench.measure("admin order list", [("GET", "/api/admin/orders", "localhost", {"headers": auth})] * n)
        )
    print("scaling...", flush=True)
    scaling = [
        bench.measure("home, 100 products", [("GET", "/", small, {})] * n),
        {**home, "page": f"home, {args.products:,} products"},
        bench.measure(
            "product page, 100 products", [("GET", f"/products/{small_handles[i % 100]}", small, {}) for i in range(n)]
        ),
        {**product_page, "page": f"product page, {args.products:,} products"},
    ]
    print(f"  {args.tenants:,} tenants...", flush=True)
    subs = bulk_tenants(args.tenants - 3)  # with the big, small and paying shops
    from chalicelib import isolation
    from chalicelib import tenants as tenancy

    for sub in subs:  # a container that has served every shop once holds each one's credentials
        isolation.credentials_for(tenancy.shop_for_subdomain(sub).tenant_id)
    rotating = [("GET", "/", f"{subs[i % len(subs)]}.localhost", {}) for i in range(n)]
    scaling += [
        {**scaling[0], "page": "home, 1 shop of 3 tenants"},
        bench.measure(f"home, 1 shop of {args.tenants:,} tenants", [("GET", "/", small, {})] * n),
        bench.measure(f"home, {args.tenants:,} tenants, each request another shop", rotating),
    ]
    if checkout:
        checkout = {k: v for k, v in checkout.items() if k not in ("admin_token", "tenant_id", "sub")}
    result = {
        "date": time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime()),
        "requests_per_page": args.requests,
        "load_average": [round(x, 1) for x in load_at_start],
        "cpus": os.cpu_count(),
        "products": args.products,
        "tenants": args.tenants,
        "pages": pages,
        "scaling": scaling,
        "cold_start": cold,
        "package": pkg,
        "checkout": checkout,
        "latency_ms": LATENCY_MS,
        "prices": PRICE,
        "prices_as_of": PRICES_AS_OF,
        "target_bounds": TARGETS,
        "bench_seconds": round(time.perf_counter() - clock),
    }
    result["targets"] = verdicts(result)
    report = table(result) + "\n\nTargets:\n" + "\n".join(map(verdict_line, result["targets"])) + "\n"
    RESULTS.mkdir(parents=True, exist_ok=True)
    (RESULTS / "latest.md").write_text(report)
    (RESULTS / "latest.json").write_text(json.dumps(result, indent=1))
    (RESULTS / "chart.svg").write_text(chart(pages))
    print("\n" + report)
    print(f"(written to {RESULTS.relative_to(ROOT)}/latest.md, latest.json, chart.svg in {result['bench_seconds']} s)")
    bench.runtime.stop()


if __name__ == "__main__":
    main()
