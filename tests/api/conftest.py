"""Fixtures of the API tests."""

import pytest

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
