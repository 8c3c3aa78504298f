"""Fixtures of the fault-injection suite: the injector, patched into the real code paths once per worker;
one paying shop per module, with an order to ship from and a delivered order to return from, so each case
buys, ships or returns only its own few units."""

import os

import pytest

from tests.api import conftest as api_fixtures
from tests.faults import injection
from tests.support.after_sale import emails_to
from tests.support.api import unique
from tests.support.wait import wait_for

# The paying shop a module's cases share, as in the API tests.
shared_shop, shop = api_fixtures.shared_shop, api_fixtures.shop


@pytest.fixture(scope="session")
def injector(app):
    # One request to Stripe is one call as the app sees it: the library's own retries would hide a fault.
    os.environ["STRIPE_MAX_NETWORK_RETRIES"] = "0"
    faults = injection.Injector()
    undo = injection.install(faults)
    yield faults
    for step in reversed(undo):
        step()


@pytest.fixture
def count_faults(request, injector):
    """Reports the faults a case injected (the run's total is printed at the end)."""
    before = injector.injected
    yield
    request.node.user_properties.append(("tally", ("faults injected", injector.injected - before)))


def _paid_order(shop, stripe, units: int) -> dict:
    order = shop.paid_order(stripe, (shop.product(qty=100, price=2000), units))
    wait_for(lambda: emails_to(order["email"]))  # its confirmation is not a later case's email
    return order


@pytest.fixture(scope="module")
def order_to_ship(shared_shop, stripe):
    """A paid order of 50 units, one shop pickup location: each fulfilment case ships one unit."""
    shared_shop.pickup_location_id = shared_shop.pickup_location()["id"]
    return _paid_order(shared_shop, stripe, 50)


@pytest.fixture(scope="module")
def delivered(shared_shop, stripe):
    """A delivered order of 50 units, a policy that gives a day to send the parcel: each return case
    returns one unit."""
    shared_shop.policy(window_days=365, parcel_days=1)
    order = _paid_order(shared_shop, stripe, 50)
    f = shared_shop.fulfil(order["id"], {"carrier": "UPS", "tracking_number": unique("T")}).json
    assert shared_shop.move(order["id"], f["id"], "in_transit").status_code == 200
    assert shared_shop.move(order["id"], f["id"], "delivered").status_code == 200
    wait_for(lambda: len(emails_to(order["email"])) >= 4)  # preparing, on its way, delivered
    return shared_shop.order(order["id"])
