"""Fixtures of the API tests."""

import pytest

from tests.support.admin import signed_in
from tests.support.after_sale import AfterSale
from tests.support.api import Api, connect_payments, sign_up


@pytest.fixture(scope="module")
def shared_shop(app, stripe):
    """One paying shop for a module's tests that only need orders of their own (signing up and connecting
    Stripe is most of a small test's time); tests that change the shop's settings take a fresh `shop`."""
    from chalice.test import Client

    with Client(app) as client:
        api = Api(client)

        def paying_shop(currency: str = "USD"):
            merchant, signup = sign_up(api, currency)
            connect_payments(merchant, stripe)
            return merchant, signup

        yield AfterSale(api, paying_shop)


@pytest.fixture
def shop(shared_shop):
    """The module's shared shop: its tests each have their own order and products and change no setting of
    the shop (a module whose tests do defines its own `shop`)."""
    return shared_shop


@pytest.fixture
def order(shop, stripe):
    """Two shirts at 20.00 and a mug at 8.00 (5 of each in stock): 48.00 paid, the platform's fee 2 % = 0.96;
    the products stay on `shop.shirt` and `shop.mug`."""
    shop.shirt, shop.mug = shop.product(qty=5, price=2000), shop.product(qty=5, price=800)
    return shop.paid_order(stripe, (shop.shirt, 2), (shop.mug, 1))


@pytest.fixture
def client(app):
    """A browser's connection to the app (tests/support/admin.Admin keeps its cookies)."""
    from chalice.test import Client

    with Client(app) as c:
        yield c


@pytest.fixture
def admin(client, merchant):
    """The web admin in a browser, signed in as `merchant`."""
    return signed_in(client, merchant)
