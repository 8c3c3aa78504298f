"""Fixtures of the web admin's page tests: the API tests' own (a shared paying shop, an order, a browser's
connection, a signed-in admin), so a page is tested on the same shops its API calls are."""

from tests.api import conftest as api_fixtures

shared_shop, shop, order, client, admin = (
    api_fixtures.shared_shop,
    api_fixtures.shop,
    api_fixtures.order,
    api_fixtures.client,
    api_fixtures.admin,
)
