"""Payments gateway against the offline Stripe emulator, through the real ``stripe`` library.

The emulator runs on a free port on 127.0.0.1; ``STRIPE_API_BASE`` points the
gateway's ``StripeClient`` at it.  Webhooks are captured with an in-process
``deliver`` hook and checked with ``stripe_webhooks.verify_webhook``.
"""

from __future__ import annotations

import json
import os
import re
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Callable
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest
import requests

from chalicelib import money, payments, stripe_charges, stripe_connect, stripe_webhooks
from infra.local import stripe_emulator
from infra.local.stripe_emulator import format_amount, parse_form, sign_payload

ROOT = Path(__file__).resolve().parents[2]
SECRET = "whsec_test_payments"
RETURN = "https://shop.example.test"

# Top-level keys of Stripe's published example objects (stripe/openapi
# fixtures3.json).  Kept here so the contract tests also run where the shared
# fixtures are absent; test_fixture_snapshot_matches_stripe_fixtures checks the
# snapshot against the file whenever it is available.
FIXTURE_KEYS: dict[str, frozenset] = {
    "event": frozenset(
        ("api_version", "created", "data", "id", "livemode", "object", "pending_webhooks", "request", "type")
    ),
    "checkout.session": frozenset(
        (
            "adaptive_pricing",
            "after_expiration",
            "allow_promotion_codes",
            "amount_subtotal",
            "amount_total",
            "automatic_tax",
            "billing_address_collection",
            "cancel_url",
            "client_reference_id",
            "client_secret",
            "collected_information",
            "consent",
            "consent_collection",
            "created",
            "currency",
            "currency_conversion",
            "custom_fields",
            "custom_text",
            "customer",
            "customer_account",
            "customer_creation",
            "customer_details",
            "customer_email",
            "discounts",
            "expires_at",
            "id",
            "integration_identifier",
            "invoice",
            "invoice_creation",
            "livemode",
            "locale",
            "managed_payments",
            "metadata",
            "mode",
            "object",
            "origin_context",
            "payment_intent",
            "payment_link",
            "payment_method_collection",
            "payment_method_configuration_details",
            "payment_method_options",
            "payment_method_types",
            "payment_status",
            "permissions",
            "phone_number_collection",
            "recovered_from",
            "saved_payment_method_options",
            "setup_intent",
            "shipping_address_collection",
            "shipping_cost",
            "shipping_options",
            "status",
            "submit_type",
            "subscription",
            "success_url",
            "total_details",
            "ui_mode",
            "url",
            "wallet_options",
        )
    ),
    "payment_intent": frozenset(
        (
            "amount",
            "amount_capturable",
            "amount_details",
            "amount_received",
            "application",
            "application_fee_amount",
            "automatic_payment_methods",
            "canceled_at",
            "cancellation_reason",
            "capture_method",
            "client_secret",
            "confirmation_method",
            "created",
            "currency",
            "customer",
            "customer_account",
            "description",
            "excluded_payment_method_types",
            "id",
            "last_payment_error",
            "latest_charge",
            "livemode",
            "managed_payments",
            "metadata",
            "next_action",
            "object",
            "on_behalf_of",
            "payment_method",
            "payment_method_configuration_details",
            "payment_method_options",
            "payment_method_types",
            "processing",
            "receipt_email",
            "review",
            "setup_future_usage",
            "shipping",
            "source",
            "statement_descriptor",
            "statement_descriptor_suffix",
            "status",
            "transfer_data",
            "transfer_group",
        )
    ),
    "refund": frozenset(
        (
            "amount",
            "balance_transaction",
            "charge",
            "created",
            "currency",
            "customer",
            "customer_account",
            "destination_details",
            "id",
            "metadata",
            "object",
            "payment_intent",
            "payment_method",
            "reason",
            "receipt_number",
            "source_transfer_reversal",
            "status",
            "transfer_reversal",
        )
    ),
    "account": frozenset(
        (
            "business_profile",
            "business_type",
            "capabilities",
            "charges_enabled",
            "controller",
            "country",
            "created",
            "default_currency",
            "details_submitted",
            "email",
            "external_accounts",
            "future_requirements",
            "id",
            "metadata",
            "object",
            "payouts_enabled",
            "requirements",
            "settings",
            "tos_acceptance",
            "type",
        )
    ),
    "account_link": frozenset(("created", "expires_at", "object", "url")),
    "item": frozenset(
        (
            "adjustable_quantity",
            "amount_discount",
            "amount_subtotal",
            "amount_tax",
            "amount_total",
            "currency",
            "description",
            "id",
            "metadata",
            "object",
            "price",
            "quantity",
        )
    ),
}


def _fixtures_path() -> Path | None:
    for candidate in (os.environ.get("STRIPE_FIXTURES"), ROOT.parent / "shared" / "stripe" / "fixtures3.json"):
        if candidate and Path(candidate).is_file():
            return Path(candidate)
    return None


# --------------------------------------------------------------------------
# fixtures


class Inbox:
    """Collects webhook deliveries from the emulator's deliver hook."""

    def __init__(self) -> None:
        self.items: list[dict[str, Any]] = []
        self._cond = threading.Condition()

    def __call__(self, url: str, headers: dict[str, str], body: bytes) -> int:
        with self._cond:
            self.items.append({"url": url, "headers": dict(headers), "body": body, "event": json.loads(body)})
            self._cond.notify_all()
        return 200

    def wait(
        self, event_type: str, match: Callable[[dict[str, Any]], bool] = lambda obj: True, timeout: float = 5.0
    ) -> dict[str, Any]:
        """The first delivery of ``event_type`` whose ``data.object`` satisfies ``match``."""

        def find() -> dict[str, Any] | None:
            for item in self.items:
                ev = item["event"]
                if ev["type"] == event_type and match(ev["data"]["object"]):
                    return item
            return None

        with self._cond:
            assert self._cond.wait_for(lambda: find() is not None, timeout=timeout), "no {} webhook; got {}".format(
                event_type, [i["event"]["type"] for i in self.items]
            )
            return find()  # type: ignore[return-value]


@pytest.fixture(scope="module")
def inbox() -> Inbox:
    return Inbox()


@pytest.fixture(scope="module")
def emu(inbox: Inbox):
    emulator = stripe_emulator.start(
        port=0, webhook_url="http://webhooks.invalid/stripe", webhook_secret=SECRET, deliver=inbox
    )
    yield emulator
    emulator.stop()


@pytest.fixture(scope="module", autouse=True)
def gateway_env(emu):
    """Point the gateway at the emulator, as an offline deployment does (env only)."""
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("STRIPE_SECRET_KEY", "sk_test_local")
        mp.setenv("STRIPE_API_BASE", emu.base_url)
        mp.setenv("STRIPE_WEBHOOK_SECRET", SECRET)
        mp.delenv("STRIPE_MAX_NETWORK_RETRIES", raising=False)
        mp.delenv("STRIPE_TIMEOUT_SECONDS", raising=False)
        yield


@pytest.fixture(scope="module")
def merchant(emu, gateway_env) -> str:
    """A connected account that has finished onboarding."""
    account = stripe_connect.create_connected_account(email="merchant@example.test")
    emu.complete_onboarding(account["id"])
    return account["id"]


_counter = iter(range(1, 10**9))


def new_session(merchant: str, **overrides: Any) -> dict[str, Any]:
    n = next(_counter)
    kwargs: dict[str, Any] = dict(
        account_id=merchant,
        currency="usd",
        lines=[
            {"name": "Blue mug", "unit_amount": 1200, "quantity": 2},
            {"name": "Shipping", "unit_amount": 499, "quantity": 1},
        ],
        amount_total=2899,
        application_fee_amount=145,
        customer_email="buyer@example.test",
        success_url=RETURN + "/thanks?session={CHECKOUT_SESSION_ID}",
        cancel_url=RETURN + "/cart",
        metadata={"order_id": "ord_%d" % n, "shop_id": "shop_1", "shop_name": "Mugs & Co"},
        idempotency_key="checkout:ord_%d" % n,
    )
    kwargs.update(overrides)
    return stripe_charges.create_checkout_session(**kwargs)


def submit(session: dict[str, Any], outcome: str) -> requests.Response:
    return requests.post(
        session["url"], data={"outcome": outcome, "email": "buyer@example.test"}, allow_redirects=False, timeout=10
    )


def by_id(ident: str) -> Callable[[dict[str, Any]], bool]:
    return lambda obj: obj.get("id") == ident


def paid_session(merchant: str, inbox: Inbox) -> dict[str, Any]:
    session = new_session(merchant)
    assert submit(session, "succeed").status_code == 303
    return inbox.wait("checkout.session.completed", by_id(session["id"]))["event"]["data"]["object"]


# --------------------------------------------------------------------------
# import discipline


def test_importing_gateway_or_emulator_does_not_import_stripe():
    code = (
        "import sys, chalicelib.stripe_charges, chalicelib.stripe_connect, chalicelib.stripe_webhooks, "
        "infra.local.stripe_emulator; "
        "assert 'stripe' not in sys.modules, 'stripe imported at module load'"
    )
    subprocess.run([sys.executable, "-c", code], cwd=ROOT, check=True, timeout=30)


# --------------------------------------------------------------------------
# checkout sessions


def test_create_session_is_a_direct_charge_with_fee_and_is_idempotent(emu, merchant):
    first = new_session(merchant, idempotency_key="checkout:idem-1", metadata={"order_id": "ord_idem"})
    again = new_session(merchant, idempotency_key="checkout:idem-1", metadata={"order_id": "ord_idem"})
    other = new_session(merchant, idempotency_key="checkout:idem-2", metadata={"order_id": "ord_idem"})

    assert again["id"] == first["id"]
    assert other["id"] != first["id"]
    assert first["id"].startswith("cs_test_")
    assert first["url"] == "{}/pay/{}".format(emu.base_url, first["id"])
    assert first["status"] == "open" and first["payment_intent"] is None
    assert (first["amount_total"], first["currency"]) == (2899, "usd")
    assert emu.account_of(first["id"]) == merchant  # Stripe-Account header: a direct charge
    stored = emu.get_object(first["id"])
    assert stored["metadata"] == {"order_id": "ord_idem"}
    assert stored["customer_email"] == "buyer@example.test"
    assert stored["mode"] == "payment"
    assert emu._objects[first["id"]].extra["application_fee_amount"] == 145
    assert emu._objects[first["id"]].extra["pi_metadata"] == {"order_id": "ord_idem"}


def test_reusing_an_idempotency_key_with_other_parameters_is_refused(merchant):
    new_session(merchant, idempotency_key="checkout:reuse")
    with pytest.raises(payments.PaymentFailed) as info:
        new_session(
            merchant,
            idempotency_key="checkout:reuse",
            lines=[{"name": "Blue mug", "unit_amount": 1000, "quantity": 2}],
            amount_total=2000,
        )
    assert info.value.http_status == 400


def test_session_lists_the_lines_exactly_as_given(emu, merchant):
    lines = [  # 3.01 off two mugs, as the quote split it: one unit takes the odd cent
        {"name": "Blue mug", "unit_amount": 1049, "quantity": 1},
        {"name": "Blue mug", "unit_amount": 1050, "quantity": 1},
        {"name": "Shipping", "unit_amount": 499, "quantity": 1},
    ]
    session = new_session(merchant, lines=lines, amount_total=2598)
    listed = requests.get(
        "{}/v1/checkout/sessions/{}/line_items".format(emu.base_url, session["id"]),
        headers={"Authorization": "Bearer sk_test_local", "Stripe-Account": merchant},
        timeout=10,
    ).json()
    items = [(i["description"], i["price"]["unit_amount"], i["quantity"]) for i in listed["data"]]
    assert items == [("Blue mug", 1049, 1), ("Blue mug", 1050, 1), ("Shipping", 499, 1)]
    assert sum(i["amount_total"] for i in listed["data"]) == session["amount_total"] == 2598


def test_session_on_another_account_is_invisible_without_its_header(emu, merchant):
    session = new_session(merchant)
    resp = requests.get(
        "{}/v1/checkout/sessions/{}".format(emu.base_url, session["id"]),
        headers={"Authorization": "Bearer sk_test_local"},
        timeout=10,
    )
    assert resp.status_code == 404
    assert resp.json()["error"]["code"] == "resource_missing"
    assert stripe_charges.get_checkout_session(session["id"], account_id=merchant)["status"] == "open"


def test_caller_mistakes_are_value_errors(merchant):
    with pytest.raises(ValueError, match="add up to 2899 but amount_total is 5000"):
        new_session(merchant, amount_total=5000)
    with pytest.raises(ValueError, match="add up to 2899 but amount_total is 2598"):
        new_session(merchant, amount_total=2598)  # a discount is in the prices: the gateway never splits one
    with pytest.raises(ValueError, match="minor units"):
        new_session(merchant, amount_total=28.99)
    with pytest.raises(ValueError, match="connected account"):
        new_session(None, application_fee_amount=10)
    with pytest.raises(ValueError, match="unknown keys"):
        new_session(
            merchant,
            lines=[{"name": "x", "unit_amount": 100, "quantity": 1, "discount": 5}],
            amount_total=100,
            application_fee_amount=5,
        )


def test_stripe_validation_errors_are_permanent(merchant):
    with pytest.raises(payments.PaymentFailed) as info:
        new_session(merchant, expires_at=int(time.time()) + 60)  # Stripe wants 30 min .. 24 h
    assert info.value.param == "expires_at"


# --------------------------------------------------------------------------
# hosted checkout page and webhooks


def test_pay_page_renders_an_accessible_self_contained_checkout(emu, merchant):
    session = new_session(merchant)
    resp = requests.get(session["url"], timeout=10)
    assert resp.status_code == 200
    page = resp.text
    assert "Mugs &amp; Co" in page
    assert "Test mode" in page and "No real card is charged" in page
    assert "Blue mug" in page and "Shipping" in page and "$28.99" in page
    assert 'value="buyer@example.test"' in page
    assert '<label for="email">' in page and '<label for="card">' in page
    assert re.search(r'<button type="submit"[^>]* name="outcome" value="succeed"[^>]*>Pay</button>', page)
    assert re.search(r'<button type="submit"[^>]* name="outcome" value="decline"[^>]*>Decline</button>', page)
    assert 'lang="en"' in page
    # nothing loaded from anywhere (no scripts, images, fonts or stylesheets by URL)
    assert "<script" not in page and "src=" not in page and "http://" not in page and "https://" not in page
    assert "default-src 'none'" in resp.headers["Content-Security-Policy"]
    # the card field is never submitted
    assert 'name="card' not in page


def test_pay_succeed_redirects_and_delivers_a_verifiable_completed_event(emu, merchant, inbox):
    session = new_session(merchant)
    resp = submit(session, "succeed")
    assert resp.status_code == 303
    assert resp.headers["Location"] == RETURN + "/thanks?session=" + session["id"]

    delivery = inbox.wait("checkout.session.completed", by_id(session["id"]))
    assert delivery["headers"]["Stripe-Signature"].startswith("t=")
    event = stripe_webhooks.verify_webhook(delivery["body"], delivery["headers"]["Stripe-Signature"])
    assert event["object"] == "event" and event["id"].startswith("evt_")
    assert event["livemode"] is False and event["api_version"]
    assert event["account"] == merchant  # a Connect event from the merchant's account
    obj = event["data"]["object"]
    assert obj["id"] == session["id"]
    assert obj["metadata"] == session["metadata"]
    assert obj["payment_intent"].startswith("pi_")
    assert (obj["amount_total"], obj["currency"]) == (2899, "usd")
    assert obj["payment_status"] == "paid" and obj["status"] == "complete"
    assert obj["customer_details"]["email"] == "buyer@example.test"

    pi = inbox.wait("payment_intent.succeeded", by_id(obj["payment_intent"]))["event"]["data"]["object"]
    assert pi["metadata"] == session["metadata"]
    assert pi["application_fee_amount"] == 145 and pi["amount_received"] == 2899

    # a second click on Pay changes nothing and sends the browser on
    assert submit(session, "succeed").headers["Location"] == resp.headers["Location"]
    assert requests.get(session["url"], timeout=10).status_code == 200


def test_bad_signatures_and_payloads_raise_invalid_webhook(merchant, inbox, monkeypatch):
    session = new_session(merchant)
    submit(session, "succeed")
    delivery = inbox.wait("checkout.session.completed", by_id(session["id"]))
    body, header = delivery["body"], delivery["headers"]["Stripe-Signature"]

    tampered = body.replace(b'"amount_total": 2899', b'"amount_total": 1')
    assert tampered != body
    for bad_body, bad_header in [
        (tampered, header),
        (body, None),
        (body, ""),
        (body, "t=123,v0=abc"),
        (body, sign_payload(body, SECRET, int(time.time()) - 3600)),  # replayed: too old
        (b"not json", sign_payload(b"not json", SECRET)),
        (b"\xff\xfe", header),
        (b"[]", sign_payload(b"[]", SECRET)),
    ]:
        with pytest.raises(payments.InvalidWebhook):
            stripe_webhooks.verify_webhook(bad_body, bad_header)

    monkeypatch.setenv("STRIPE_WEBHOOK_SECRET", "whsec_someone_else")
    with pytest.raises(payments.InvalidWebhook):
        stripe_webhooks.verify_webhook(body, header)
    # during a rotation (or with separate platform and Connect endpoints) either secret is accepted
    monkeypatch.setenv("STRIPE_WEBHOOK_SECRET", "whsec_someone_else, " + SECRET)
    assert stripe_webhooks.verify_webhook(body.decode("utf-8"), header)["data"]["object"]["id"] == session["id"]
    monkeypatch.delenv("STRIPE_WEBHOOK_SECRET")
    with pytest.raises(payments.PaymentsMisconfigured):
        stripe_webhooks.verify_webhook(body, header)


def test_decline_delivers_payment_failed_and_the_session_stays_payable(emu, merchant, inbox):
    session = new_session(merchant)
    resp = submit(session, "decline")
    assert resp.status_code == 303 and resp.headers["Location"] == RETURN + "/cart"

    pi_id = emu.get_object(session["id"])["payment_intent"]
    delivery = inbox.wait("payment_intent.payment_failed", by_id(pi_id))
    event = stripe_webhooks.verify_webhook(delivery["body"], delivery["headers"]["Stripe-Signature"])
    pi = event["data"]["object"]
    assert event["account"] == merchant
    assert pi["metadata"]["order_id"] == session["metadata"]["order_id"]  # how the order is found
    assert pi["status"] == "requires_payment_method"
    assert pi["last_payment_error"]["code"] == "card_declined"
    assert not any(
        i["event"]["type"].startswith("checkout.session.") and i["event"]["data"]["object"]["id"] == session["id"]
        for i in inbox.items
    )
    assert stripe_charges.get_checkout_session(session["id"], account_id=merchant)["status"] == "open"

    # the customer tries another card: same PaymentIntent, now paid
    submit(session, "succeed")
    completed = inbox.wait("checkout.session.completed", by_id(session["id"]))["event"]["data"]["object"]
    assert completed["payment_intent"] == pi_id


def test_expiring_a_session_delivers_expired_and_closes_the_page(emu, merchant, inbox):
    session = new_session(merchant)
    expired = stripe_charges.expire_checkout_session(session["id"], account_id=merchant)
    assert expired["status"] == "expired" and expired["url"] is None
    delivery = inbox.wait("checkout.session.expired", by_id(session["id"]))
    event = stripe_webhooks.verify_webhook(delivery["body"], delivery["headers"]["Stripe-Signature"])
    assert event["data"]["object"]["metadata"] == session["metadata"]
    assert requests.get(session["url"], timeout=10).status_code == 410
    assert submit(session, "succeed").status_code == 410
    with pytest.raises(payments.PaymentFailed):
        stripe_charges.expire_checkout_session(session["id"], account_id=merchant)


def test_sessions_expire_by_themselves_at_expires_at(emu, merchant, inbox):
    session = new_session(merchant, expires_at=int(time.time()) + 3600)
    emu.advance(3601)
    try:
        assert stripe_charges.get_checkout_session(session["id"], account_id=merchant)["status"] == "expired"
        inbox.wait("checkout.session.expired", by_id(session["id"]))
    finally:
        emu.time_offset = 0


# --------------------------------------------------------------------------
# refunds


def test_partial_refund_then_over_refund(emu, merchant, inbox):
    paid = paid_session(merchant, inbox)
    pi = paid["payment_intent"]

    def refund_ten():
        return stripe_charges.refund(
            payment_intent=pi,
            amount=1000,
            currency="usd",
            account_id=merchant,
            idempotency_key=f"refund:{pi}:1",
            reason="requested_by_customer",
        )

    first = refund_ten()
    assert first["status"] == "succeeded" and first["amount"] == 1000 and first["id"].startswith("re_")
    assert first["payment_intent"] == pi and first["currency"] == "usd"
    assert refund_ten()["id"] == first["id"]  # a retried task does not refund twice
    assert emu._objects[first["id"]].extra["application_fee_refunded"] == 145 * 1000 // 2899
    assert emu.account_of(first["id"]) == merchant

    with pytest.raises(payments.PaymentFailed) as info:
        stripe_charges.refund(
            payment_intent=pi, amount=1900, currency="usd", account_id=merchant, idempotency_key=f"refund:{pi}:2"
        )
    assert info.value.code == "amount_too_large" and info.value.http_status == 400

    # the raw answer is shaped like Stripe's
    resp = requests.post(
        f"{emu.base_url}/v1/refunds",
        data={"payment_intent": pi, "amount": "1900"},
        headers={"Authorization": "Bearer sk_test_local", "Stripe-Account": merchant},
        timeout=10,
    )
    assert resp.status_code == 400
    error = resp.json()["error"]
    assert error["type"] == "invalid_request_error" and error["code"] == "amount_too_large"
    assert error["param"] == "amount" and "$18.99" in error["message"]

    rest = stripe_charges.refund(
        payment_intent=pi, amount=1899, currency="usd", account_id=merchant, idempotency_key=f"refund:{pi}:3"
    )
    assert rest["amount"] == 1899
    with pytest.raises(payments.PaymentFailed) as info:
        stripe_charges.refund(
            payment_intent=pi, amount=1, currency="usd", account_id=merchant, idempotency_key=f"refund:{pi}:4"
        )
    assert info.value.code == "charge_already_refunded"
    inbox.wait("refund.created", by_id(first["id"]))


def test_refund_on_the_wrong_account_is_not_found(merchant, inbox):
    paid = paid_session(merchant, inbox)
    with pytest.raises(payments.PaymentFailed) as info:
        stripe_charges.refund(
            payment_intent=paid["payment_intent"],
            amount=100,
            currency="usd",
            account_id=None,
            idempotency_key="refund:wrong-account",
        )
    assert info.value.code == "resource_missing" and info.value.http_status == 404


# --------------------------------------------------------------------------
# Connect onboarding


def _submit_onboarding(emu, account_id: str, link: dict, action: str):
    """The emulator's onboarding form of an account link, sent with `action` ("complete" or "exit")."""
    token = link["url"].split("link=", 1)[1]
    return requests.post(
        emu.base_url + "/connect/" + account_id,
        data={"link": token, "action": action},
        allow_redirects=False,
        timeout=10,
    )


def test_connected_account_onboarding(emu, inbox):
    account = stripe_connect.create_connected_account(email="new-merchant@example.test", country="us")
    assert account["id"].startswith("acct_")
    assert stripe_connect.account_status(account["id"]) == {
        "id": account["id"],
        "charges_enabled": False,
        "payouts_enabled": False,
        "details_submitted": False,
    }

    with pytest.raises(payments.PaymentFailed):  # cannot take payments before onboarding
        new_session(account["id"])

    link = stripe_connect.create_account_link(
        account_id=account["id"], refresh_url=RETURN + "/onboarding/refresh", return_url=RETURN + "/onboarding/done"
    )
    assert link["url"].startswith(emu.base_url + "/connect/" + account["id"])
    assert link["expires_at"] > time.time()

    page = requests.get(link["url"], timeout=10)
    assert page.status_code == 200 and "<form" in page.text and account["id"] in page.text
    done = _submit_onboarding(emu, account["id"], link, "complete")
    assert done.status_code == 303 and done.headers["Location"] == RETURN + "/onboarding/done"
    status = stripe_connect.account_status(account["id"])
    assert status["charges_enabled"] and status["payouts_enabled"] and status["details_submitted"]

    delivery = inbox.wait("account.updated", by_id(account["id"]))
    event = stripe_webhooks.verify_webhook(delivery["body"], delivery["headers"]["Stripe-Signature"])
    assert event["account"] == account["id"]
    assert event["data"]["previous_attributes"]["charges_enabled"] is False

    # account links are single use: a stale one goes to refresh_url
    again = requests.get(link["url"], allow_redirects=False, timeout=10)
    assert again.status_code == 303 and again.headers["Location"] == RETURN + "/onboarding/refresh"
    assert new_session(account["id"])["status"] == "open"


def test_leaving_onboarding_early_returns_without_enabling_charges(emu):
    account = stripe_connect.create_connected_account(email="later@example.test", account_type="express")
    link = stripe_connect.create_account_link(
        account_id=account["id"], refresh_url=RETURN + "/r", return_url=RETURN + "/done"
    )
    resp = _submit_onboarding(emu, account["id"], link, "exit")
    assert resp.headers["Location"] == RETURN + "/done"
    assert stripe_connect.account_status(account["id"])["charges_enabled"] is False


# --------------------------------------------------------------------------
# errors and configuration


def test_transient_server_error_is_retried_by_the_library(emu, merchant):
    emu.inject_error(500, count=1, method="POST", path_prefix="/v1/checkout/sessions")
    session = new_session(merchant)  # one retry with the same idempotency key
    assert session["status"] == "open"


@pytest.mark.parametrize("status", [500, 503, 429, 409])
def test_transient_failures_raise_payments_unavailable(emu, merchant, monkeypatch, status):
    monkeypatch.setenv("STRIPE_MAX_NETWORK_RETRIES", "0")
    emu.inject_error(status, count=1, path_prefix="/v1/refunds")
    with pytest.raises(payments.PaymentsUnavailable) as info:
        stripe_charges.refund(
            payment_intent="pi_x", amount=1, currency="usd", account_id=merchant, idempotency_key="refund:t%d" % status
        )
    assert info.value.http_status == status
    assert type(info.value).__name__ == "PaymentsUnavailable"  # what a Step Functions Retry matches


def test_unreachable_stripe_raises_payments_unavailable(monkeypatch):
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    monkeypatch.setenv("STRIPE_API_BASE", "http://127.0.0.1:%d" % port)  # nothing listens there
    monkeypatch.setenv("STRIPE_MAX_NETWORK_RETRIES", "0")
    with pytest.raises(payments.PaymentsUnavailable):
        stripe_connect.account_status("acct_missing")


def test_unknown_ids_are_resource_missing(emu):
    with pytest.raises(payments.PaymentFailed) as info:
        stripe_connect.account_status("acct_doesnotexist")
    assert info.value.code == "resource_missing" and info.value.http_status == 404
    resp = requests.get(emu.base_url + "/v1/refunds/re_nope", headers={"Authorization": "Bearer sk_test_x"}, timeout=10)
    assert resp.status_code == 404 and resp.json()["error"]["type"] == "invalid_request_error"


def test_configuration_guards(emu, monkeypatch):
    monkeypatch.setenv("STRIPE_SECRET_KEY", "sk_live_realkey")
    with pytest.raises(payments.PaymentsMisconfigured):
        stripe_connect.account_status("acct_x")  # a live key is never sent to a non-Stripe base
    monkeypatch.delenv("STRIPE_SECRET_KEY")
    with pytest.raises(payments.PaymentsMisconfigured):
        stripe_connect.account_status("acct_x")
    resp = requests.get(emu.base_url + "/v1/accounts/acct_x", headers={"Authorization": "Bearer sk_live_x"}, timeout=10)
    assert resp.status_code == 401 and "error" in resp.json()


# --------------------------------------------------------------------------
# webhook delivery over HTTP (the default deliver hook)


def test_default_delivery_posts_signed_events_and_retries_failures(monkeypatch):
    received: list[dict[str, Any]] = []
    got = threading.Event()

    class Receiver(BaseHTTPRequestHandler):
        def do_POST(self):
            body = self.rfile.read(int(self.headers["Content-Length"]))
            received.append({"body": body, "sig": self.headers["Stripe-Signature"]})
            status = 500 if len(received) == 1 else 200  # first attempt fails
            self.send_response(status)
            self.send_header("Content-Length", "0")
            self.end_headers()
            if status == 200:
                got.set()

        def log_message(self, *args):
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Receiver)
    threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True).start()
    url = "http://127.0.0.1:%d/webhooks/stripe" % server.server_address[1]
    with stripe_emulator.start(webhook_url=url, webhook_secret=SECRET, retry_delays=(0.01,)) as emu2:
        monkeypatch.setenv("STRIPE_API_BASE", emu2.base_url)
        account = stripe_connect.create_connected_account(email="http@example.test")
        emu2.complete_onboarding(account["id"])
        assert got.wait(5)
        assert emu2.wait_idle(5)
    server.shutdown()
    server.server_close()
    assert [d["ok"] for d in emu2.deliveries] == [False, True]
    event = stripe_webhooks.verify_webhook(received[-1]["body"], received[-1]["sig"])
    assert event["type"] == "account.updated" and event["account"] == account["id"]


# --------------------------------------------------------------------------
# line items


def test_line_items_are_the_lines_as_given_when_they_add_up():
    lines = [{"name": " a ", "unit_amount": 500, "quantity": 2}, {"name": "Tax", "unit_amount": 0, "quantity": 1}]
    assert stripe_charges.line_items(lines, 1000) == [("a", 500, 2), ("Tax", 0, 1)]
    with pytest.raises(ValueError, match="add up to 1000 but amount_total is 999"):
        stripe_charges.line_items(lines, 999)
    with pytest.raises(ValueError, match="at least one line"):
        stripe_charges.line_items([], 0)
    with pytest.raises(ValueError, match="non-empty name"):
        stripe_charges.line_items([{"name": " ", "unit_amount": 1, "quantity": 1}], 1)
    with pytest.raises(ValueError, match="quantity"):
        stripe_charges.line_items([{"name": "a", "unit_amount": 1, "quantity": 0}], 0)
    with pytest.raises(ValueError, match="at most 100"):
        stripe_charges.line_items([{"name": "a", "unit_amount": 1, "quantity": 1}] * 101, 101)


# --------------------------------------------------------------------------
# emulator internals worth pinning


def test_parse_form_builds_nested_dicts_and_lists():
    body = (
        "mode=payment&line_items[0][price_data][unit_amount]=1200&line_items[0][quantity]=2"
        "&line_items[1][price_data][product_data][name]=Tea%20%26%20cake&line_items[1][quantity]=1"
        "&metadata[order_id]=o1&expand[]=payment_intent&expand[]=line_items&empty="
    )
    assert parse_form(body) == {
        "mode": "payment",
        "line_items": [
            {"price_data": {"unit_amount": "1200"}, "quantity": "2"},
            {"price_data": {"product_data": {"name": "Tea & cake"}}, "quantity": "1"},
        ],
        "metadata": {"order_id": "o1"},
        "expand": ["payment_intent", "line_items"],
        "empty": "",
    }
    with pytest.raises(stripe_emulator.StripeEmulatorError):
        parse_form("a=1&a[b]=2")


def test_signature_format_matches_stripe():
    header = sign_payload(b'{"id": "evt_1"}', "whsec_x", 1700000000)
    assert header == (
        "t=1700000000,v1={}".format(
            __import__("hmac").new(b"whsec_x", b'1700000000.{"id": "evt_1"}', "sha256").hexdigest()
        )
    )


def test_format_amount_respects_currency_exponents():
    assert format_amount(2899, "usd") == "$28.99"
    assert format_amount(500, "jpy") == "\u00a5500"
    assert format_amount(1234, "bhd") == "1.234 BHD"


# --------------------------------------------------------------------------
# contract with Stripe's published objects


@pytest.mark.parametrize("object_type", sorted(payments.WEBHOOK_FIELDS))
def test_fields_the_service_reads_exist_in_stripe_fixtures(object_type):
    missing = set(payments.WEBHOOK_FIELDS[object_type]) - FIXTURE_KEYS[object_type]
    assert not missing, f"{object_type} has no {sorted(missing)} in Stripe's fixtures"


def test_fixture_snapshot_matches_stripe_fixtures():
    path = _fixtures_path()
    if path is None:
        pytest.skip("shared Stripe fixtures3.json not available (set STRIPE_FIXTURES)")
    resources = json.loads(path.read_text())["resources"]
    for object_type, keys in FIXTURE_KEYS.items():
        assert frozenset(resources[object_type]) == keys, object_type
        assert resources[object_type].get("object", object_type) == object_type


def test_emulator_objects_use_only_stripe_fields(emu, merchant, inbox):
    paid = paid_session(merchant, inbox)
    refund = stripe_charges.refund(
        payment_intent=paid["payment_intent"],
        amount=100,
        currency="usd",
        account_id=merchant,
        idempotency_key="refund:contract",
    )
    link = stripe_connect.create_account_link(account_id=merchant, refresh_url=RETURN, return_url=RETURN)
    samples = {
        "checkout.session": emu.get_object(paid["id"]),
        "payment_intent": emu.get_object(paid["payment_intent"]),
        "refund": emu.get_object(refund["id"]),
        "account": emu.get_object(merchant),
        "item": emu._line_items[paid["id"]][0],
    }
    for object_type, obj in samples.items():
        assert obj["object"] == object_type
        assert set(obj) <= FIXTURE_KEYS[object_type], (object_type, set(obj) - FIXTURE_KEYS[object_type])
        assert set(payments.WEBHOOK_FIELDS.get(object_type, ())) <= set(obj), object_type
    assert set(payments.WEBHOOK_FIELDS["account_link"]) <= set(link)
    event = inbox.wait("checkout.session.completed", by_id(paid["id"]))["event"]
    # `account` is only present on Connect events, so the generic example event lacks it.
    assert set(event) <= FIXTURE_KEYS["event"] | {"account"}
    assert set(payments.WEBHOOK_FIELDS["event"]) <= set(event)


# --------------------------------------------------------------------------
# Stripe's units (payments.STRIPE_UNITS): every amount crosses the gateway converted


@pytest.mark.parametrize(
    ("currency", "iso_amount", "stripe_amount"),
    [
        ("usd", 2899, 2899),
        ("jpy", 500, 500),
        ("ugx", 5000, 5000),  # zero-decimal at Stripe as in ISO
        ("huf", 1045, 1045),  # two-decimal for charges and refunds (only payouts are whole forint)
        ("twd", 1045, 1045),
        ("isk", 5, 500),  # ISO 0 decimals, Stripe two (whole krónur)
        ("mga", 1200, 12),  # ISO 2 decimals, Stripe none
        ("kwd", 5120, 5120),  # three-decimal, ending in 0
    ],
)
def test_amounts_convert_to_and_from_stripes_units(currency, iso_amount, stripe_amount):
    assert payments.to_stripe(iso_amount, currency) == stripe_amount
    assert payments.from_stripe(stripe_amount, currency) == iso_amount
    assert payments.to_stripe(iso_amount, currency.upper()) == stripe_amount


@pytest.mark.parametrize(("currency", "iso_amount"), [("mga", 1050), ("kwd", 5124), ("bhd", 1001)])
def test_an_amount_stripe_cannot_hold_is_refused_before_it_is_sent(currency, iso_amount):
    with pytest.raises(payments.PaymentFailed) as info:
        payments.to_stripe(iso_amount, currency)
    assert info.value.code == "amount_not_representable" and not payments.representable(iso_amount, currency)
    kept = payments.to_stripe(iso_amount, currency, round_down=True)  # the platform's fee: what Stripe can hold of it
    assert payments.from_stripe(kept, currency) < iso_amount and payments.representable(
        payments.from_stripe(kept, currency), currency
    )


def test_every_exception_is_a_currency_the_shop_can_price_in():
    for code, unit in payments.STRIPE_UNITS.items():
        assert code in money.CURRENCIES and unit.decimals in (0, 2, 3) and unit.step in (1, 10, 100), code


def test_an_isk_session_and_refund_are_sent_in_stripes_units(emu, merchant, inbox):
    session = new_session(
        merchant,
        currency="isk",
        lines=[{"name": "Lopapeysa", "unit_amount": 24900, "quantity": 1}],  # 24,900 kr (ISO: no decimals)
        amount_total=24900,
        application_fee_amount=498,
    )
    assert session["amount_total"] == 24900  # read back in ISO units
    stored = emu.get_object(session["id"])
    assert stored["amount_total"] == 2490000 and emu._line_items[session["id"]][0]["price"]["unit_amount"] == 2490000
    assert emu._objects[session["id"]].extra["application_fee_amount"] == 49800
    assert submit(session, "succeed").status_code == 303
    pi = inbox.wait("checkout.session.completed", by_id(session["id"]))["event"]["data"]["object"]["payment_intent"]
    refund = stripe_charges.refund(
        payment_intent=pi, amount=4900, currency="isk", account_id=merchant, idempotency_key=f"refund:{pi}:isk"
    )
    assert refund["amount"] == 4900 and emu.get_object(refund["id"])["amount"] == 490000


def test_the_emulator_refuses_what_stripe_refuses_reading_the_same_table(merchant):
    assert format_amount(500, "isk") == "5.00 ISK" and format_amount(5120, "kwd") == "5.120 KWD"
    fraction = {"currency": "isk", "unit_amount": 24950, "product_data": {"name": "Lopapeysa"}}  # 249.50 kr
    with pytest.raises(payments.PaymentFailed) as info, payments.translate_errors():
        stripe_charges.stripe_client().v1.checkout.sessions.create(
            {"mode": "payment", "success_url": RETURN, "line_items": [{"quantity": 1, "price_data": fraction}]},
            payments.request_options("isk-fraction", merchant),
        )
    assert info.value.http_status == 400 and info.value.code == "parameter_invalid_integer"
