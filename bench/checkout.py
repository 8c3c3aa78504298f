"""Checkout-to-paid, measured locally: the real local server, the Step Functions emulator, the Stripe emulator.

    .venv/bin/python bench/checkout.py [--runs 50]

For each run: a cart with one line, POST checkout, poll the checkout until it
awaits payment, press Pay on the emulator's payment page (a form POST), poll
until it is paid. Reports p50/p90/max of checkout-to-paid (and its two
halves), the workflow's state transitions per order (history StateEntered
events) and DynamoDB writes per order (items written, counting each item of a
transaction; the idempotency table included), counted in the emulator.
"""

import argparse
import json
import os
import socket
import statistics
import sys
import threading
import time
import uuid
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from infra.local import runtime  # noqa: E402

ADDRESS = {"name": "Bench", "line1": "1 Main St", "city": "Springfield", "postal_code": "12345", "country": "US"}
_writes = Counter()
_counting = threading.local()


def _count_dynamodb_writes() -> None:
    """Items written per request, by table (a transaction counts each of its items)."""
    from moto.dynamodb.responses import DynamoHandler

    original = DynamoHandler.call_action

    def call_action(self):
        target = (self.headers.get("X-Amz-Target") or "").split(".")[-1]
        if target in ("PutItem", "UpdateItem", "DeleteItem", "BatchWriteItem", "TransactWriteItems"):
            body = json.loads(self.body or "{}")
            if target == "TransactWriteItems":
                for item in body.get("TransactItems", []):
                    op = next(iter(item.values()))
                    _writes[op["TableName"]] += 1
            elif target == "BatchWriteItem":
                for table, requests_ in body.get("RequestItems", {}).items():
                    _writes[table] += len(requests_)
            else:
                _writes[body.get("TableName")] += 1
        return original(self)

    DynamoHandler.call_action = call_action


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def percentile(values: list[float], p: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(p / 100 * (len(ordered) - 1))))]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=50)
    args = parser.parse_args()
    os.environ.setdefault("POWERTOOLS_LOG_LEVEL", "ERROR")
    runtime.start()
    _count_dynamodb_writes()
    import requests

    import app as app_module
    from chalicelib import checkout, workflows
    from infra.local import stripe_emulator
    from infra.local.server import make_server

    runtime.register_app(app_module.app)
    port = _free_port()
    server = make_server(app_module.app, "127.0.0.1", port)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    base = f"http://127.0.0.1:{port}"
    stripe = stripe_emulator.start(webhook_url=f"{base}/api/webhooks/stripe")
    os.environ.update(
        {
            "STRIPE_SECRET_KEY": "sk_test_local",
            "STRIPE_API_BASE": stripe.base_url,
            "STRIPE_WEBHOOK_SECRET": stripe.webhook_secret,
        }
    )

    http = requests.Session()
    sub = "bench" + uuid.uuid4().hex[:8]
    token = http.post(
        f"{base}/api/merchants/signup",
        json={"email": f"{sub}@example.com", "password": "bench password 1", "shop_name": "Bench", "subdomain": sub},
    ).json()["token"]
    admin = {"Authorization": f"Bearer {token}"}
    account = http.post(f"{base}/api/admin/payments/account", json={}, headers=admin).json()["account_id"]
    stripe.complete_onboarding(account)
    http.get(f"{base}/api/admin/payments/account", headers=admin)
    variant = http.post(
        f"{base}/api/admin/products",
        headers=admin,
        json={
            "title": "Bench Tee",
            "status": "active",
            "variants": [{"sku": "B-1", "price": 2500, "inventory_quantity": 1_000_000}],
        },
    ).json()["variants"][0]["id"]
    store = f"{base}/s/{sub}/api/store"
    time.sleep(1)  # let the shop's onboarding workflow finish before counting writes

    def poll(checkout_id: str, leave: tuple) -> dict:
        while True:
            state = http.get(f"{store}/checkouts/{checkout_id}").json()
            if state["status"] not in leave:
                return state
            time.sleep(0.005)

    to_paid, to_awaiting, pay_to_paid, transitions, writes, cart_writes = [], [], [], [], [], []
    for _ in range(args.runs):
        _writes.clear()
        cart = http.post(f"{store}/carts", json={}).json()["id"]
        http.post(f"{store}/carts/{cart}/items", json={"variant_id": variant, "quantity": 1})
        cart_writes.append(sum(_writes.values()))
        _writes.clear()
        started = time.perf_counter()
        checkout_id = http.post(
            f"{store}/carts/{cart}/checkout", json={"email": "bench@example.com", "shipping_address": ADDRESS}
        ).json()["checkout_id"]
        awaiting = poll(checkout_id, ("processing",))
        assert awaiting["status"] == "awaiting_payment", awaiting
        asked = time.perf_counter()
        paid = http.post(awaiting["payment_url"], data={"outcome": "succeed"}, allow_redirects=False)
        assert paid.status_code == 303, paid.text
        done = poll(checkout_id, ("processing", "awaiting_payment"))
        finished = time.perf_counter()
        assert done["status"] == "paid", done
        arn = checkout.execution_arn(checkout_id)
        while workflows.status(arn) == "RUNNING":  # the email and the event come after `paid`
            time.sleep(0.005)
        to_paid.append(finished - started)
        to_awaiting.append(asked - started)
        pay_to_paid.append(finished - asked)
        transitions.append(len(workflows.state_names(arn)))
        writes.append(sum(_writes.values()))

    ms = lambda values, p: f"{percentile(values, p) * 1000:.0f} ms"  # noqa: E731
    print(f"checkout-to-paid over {args.runs} runs (POST checkout .. GET says paid, the Pay press included):")
    print(f"  p50 {ms(to_paid, 50)}   p90 {ms(to_paid, 90)}   max {max(to_paid) * 1000:.0f} ms")
    print(f"  POST checkout .. awaiting_payment   p50 {ms(to_awaiting, 50)}")
    print(f"  Pay pressed .. paid (signed webhook) p50 {ms(pay_to_paid, 50)}")
    print(
        f"state transitions per order: {statistics.median(transitions):.0f} (StateEntered events; "
        f"min {min(transitions)}, max {max(transitions)})"
    )
    print(
        f"DynamoDB item writes per order, checkout to the end of the workflow: median "
        f"{statistics.median(writes):.0f} (min {min(writes)}, max {max(writes)}); the cart before it: "
        f"{statistics.median(cart_writes):.0f}"
    )
    stripe.stop()
    server.shutdown()


if __name__ == "__main__":
    main()
