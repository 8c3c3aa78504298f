"""Fixtures of the after-sale flow tests: the API tests' own (a shared paying shop, an order), since these are API
tests too, only ones that walk the fulfilment, refund and return workflows to their end."""

from tests.api import conftest as api_fixtures

shared_shop, shop, order = api_fixtures.shared_shop, api_fixtures.shop, api_fixtures.order
