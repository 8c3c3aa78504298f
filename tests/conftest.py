"""Fixtures: one emulated AWS account for the whole run, fresh shops per test.

The emulator is the same one `make run` uses (infra/local/runtime.py), built
from infra/resources.json; the app is the real Chalice app.
"""

import json
import os
import socket
import sys
import threading
import uuid
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from infra.local import runtime  # noqa: E402
from tests.support import contract  # noqa: E402

runtime.configure_environment()  # before any chalicelib import reads its settings
# ASL Retry waits at least 1 s per attempt in real time; tests keep every attempt but wait 1/50 of it.
os.environ.setdefault("WORKFLOW_RETRY_WAIT_SCALE", "0.02")


@pytest.fixture(scope="session")
def aws():
    runtime.start()
    yield runtime
    runtime.stop()


@pytest.fixture(scope="session")
def app(aws):
    import app as app_module

    runtime.register_app(app_module.app)
    return app_module.app


class Api:
    """Chalice's test client with JSON in and out; every answer is checked against /openapi.json."""

    def __init__(self, client, token: str | None = None, host: str = "localhost:8000"):
        self._client = client
        self.token = token
        self.host = host

    def as_(self, token: str | None = None, host: str | None = None) -> "Api":
        return Api(self._client, token if token is not None else self.token, host or self.host)

    def request(self, method: str, path: str, body=None, *, headers: dict | None = None, raw: str | None = None):
        h = {"host": self.host, "content-type": "application/json"}
        if self.token:
            h["authorization"] = f"Bearer {self.token}"
        h.update(headers or {})
        data = raw if raw is not None else (json.dumps(body) if body is not None else None)
        response = getattr(self._client.http, method.lower())(path, headers=h, body=data)
        response.json = _json_or_none(response.body)
        response.text = response.body.decode() if isinstance(response.body, bytes) else response.body
        contract.published(self._client).check(
            method, path, response.status_code, response.headers.get("Content-Type"), response.body
        )
        return response

    def get(self, path, **kw):
        return self.request("GET", path, **kw)

    def post(self, path, body=None, **kw):
        return self.request("POST", path, body, **kw)

    def patch(self, path, body=None, **kw):
        return self.request("PATCH", path, body, **kw)

    def delete(self, path, **kw):
        return self.request("DELETE", path, **kw)


def _json_or_none(body):
    try:
        return json.loads(body)
    except (ValueError, TypeError):
        return None


@pytest.fixture
def api(app):
    from chalice.test import Client

    with Client(app) as client:
        yield Api(client)


def unique(prefix: str = "shop") -> str:
    return f"{prefix}{uuid.uuid4().hex[:10]}"


@pytest.fixture
def new_shop(api):
    """Signs up a fresh shop; returns (api as that merchant, signup answer)."""

    def make(currency: str = "USD", subdomain: str | None = None):
        sub = subdomain or unique()
        r = api.post(
            "/api/merchants/signup",
            {
                "email": f"{sub}@example.com",
                "password": "correct horse 1",
                "shop_name": f"Shop {sub}",
                "subdomain": sub,
                "currency": currency,
            },
        )
        assert r.status_code == 201, r.body
        return api.as_(token=r.json["token"]), r.json

    return make


@pytest.fixture
def merchant(new_shop):
    return new_shop()


@pytest.fixture
def operator(api):
    """The API as the platform operator, signed in with OPERATOR_EMAIL / OPERATOR_PASSWORD as `make run` does."""
    from chalicelib import tenants

    email = os.environ.setdefault("OPERATOR_EMAIL", "operator@platform.test")
    password = os.environ.setdefault("OPERATOR_PASSWORD", "operator-password")
    tenants.ensure_operator(email, password)
    r = api.post("/api/auth/login", {"email": email, "password": password})
    assert r.status_code == 200, r.body
    return api.as_(token=r.json["token"])


def product_body(title: str = "Blue Shirt", *, status: str = "active", price: int = 1999, qty: int = 5, **extra):
    return {
        "title": title,
        "status": status,
        "variants": [
            {"sku": f"SKU-{uuid.uuid4().hex[:8]}", "price": price, "inventory_quantity": qty, "options": {"Size": "M"}}
        ],
        **extra,
    }


@pytest.fixture(scope="session")
def live_server(app):
    """The local HTTP server (as `make run` serves it) in a thread, on this session's emulator."""
    from infra.local.server import make_server

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    server = make_server(app, "127.0.0.1", port)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{port}"
    server.shutdown()


@pytest.fixture(scope="session")
def stripe(live_server):
    """The local Stripe emulator for the whole run, its signed webhooks going to the live server's
    endpoint; the payments gateway is pointed at it through the environment, as `make run` does."""
    from infra.local import stripe_emulator

    emulator = stripe_emulator.start(port=0, webhook_url=f"{live_server}/api/webhooks/stripe", retry_delays=(0.2, 0.5))
    env = {
        "STRIPE_SECRET_KEY": "sk_test_local",
        "STRIPE_API_BASE": emulator.base_url,
        "STRIPE_WEBHOOK_SECRET": emulator.webhook_secret,
    }
    saved = {k: os.environ.get(k) for k in env}
    os.environ.update(env)
    yield emulator
    for k, v in saved.items():
        if v is None:
            os.environ.pop(k, None)
        else:
            os.environ[k] = v
    emulator.stop()


@pytest.fixture
def paying_shop(new_shop, stripe):
    """A fresh shop that finished Stripe Connect onboarding: (merchant api, signup answer)."""

    def make(currency: str = "USD"):
        shop_api, signup = new_shop(currency)
        connected = shop_api.post("/api/admin/payments/account", {})
        assert connected.status_code == 201, connected.body
        stripe.complete_onboarding(connected.json["account_id"])
        status = shop_api.get("/api/admin/payments/account")
        assert status.json["charges_enabled"], status.body
        return shop_api, signup

    return make
