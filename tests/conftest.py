"""Fixtures: one emulated AWS account for the whole run, fresh shops per test.

The emulator is the same one `make run` uses (infra/local/runtime.py), built
from infra/resources.json; the app is the real Chalice app.
"""

import os
import socket
import threading

import pytest
from hypothesis import settings

from infra.local import runtime
from tests.support.api import Api, connect_payments, sign_up

runtime.configure_environment()  # before any chalicelib import reads its settings
# ASL Retry waits at least 1 s per attempt in real time; tests keep every attempt but wait 1/50 of it.
os.environ.setdefault("WORKFLOW_RETRY_WAIT_SCALE", "0.02")
# Hypothesis fails an example that takes over 200 ms: on a loaded 2-core machine (two xdist workers and
# whatever else runs) that measures the machine, not the code. The properties are what the tests check.
settings.register_profile("shared_machine", deadline=None)
settings.load_profile("shared_machine")


@pytest.fixture(scope="session", autouse=True)
def password_hash_cost():
    """scrypt at its login cost (N=2^14, ~50 ms a hash; tests/unit/test_auth.py holds it to that) is not what the
    run's hundreds of signups, logins and password changes test: they hash at N=2^10. Each stored hash carries its
    cost, so verifying is the same code either way. Yields the login cost."""
    from chalicelib import auth

    login_cost = auth._N
    auth._N = 2**10
    yield login_cost
    auth._N = login_cost


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


@pytest.fixture
def api(app):
    from chalice.test import Client

    with Client(app) as client:
        yield Api(client)


@pytest.fixture
def someone_else(app):
    """The API as another client calls it: from another source address than `api`'s."""
    from chalice.test import Client

    with Client(app) as client:
        yield Api(client)


@pytest.fixture
def new_shop(api):
    """Signs up a fresh shop; returns (api as that merchant, signup answer)."""

    def make(currency: str = "USD", subdomain: str | None = None):
        return sign_up(api, currency, subdomain)

    return make


@pytest.fixture
def merchant(new_shop):
    return new_shop()


@pytest.fixture
def operator(api):
    """The API as the platform operator, signed in with OPERATOR_EMAIL / OPERATOR_PASSWORD as `make run` does."""
    from chalicelib import accounts

    email = os.environ.setdefault("OPERATOR_EMAIL", "operator@platform.test")
    password = os.environ.setdefault("OPERATOR_PASSWORD", "operator-password")
    accounts.ensure_operator(email, password)
    r = api.post("/api/auth/login", {"email": email, "password": password})
    assert r.status_code == 200, r.body
    return api.as_(token=r.json["token"])


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
        connect_payments(shop_api, stripe)
        return shop_api, signup

    return make


# The suites under tests/attack, tests/fuzz and tests/faults count what they did (operations attacked, calls, fuzz
# cases, faults injected) with `record_property("tally", (label, count))`; the counts are summed over every xdist
# worker and printed at the end. A test's teardown report carries every property it recorded, so it alone is read.
_tallies: dict[str, int] = {}


def pytest_runtest_logreport(report):
    for name, value in report.user_properties if report.when == "teardown" else ():
        if name == "tally":
            label, count = value
            _tallies[label] = _tallies.get(label, 0) + count


def pytest_terminal_summary(terminalreporter):
    for label, count in _tallies.items():
        terminalreporter.write_line(f"{label}: {count}")
