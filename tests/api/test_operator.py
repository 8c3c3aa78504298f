"""The platform operator: signs in like anyone, lists shops, suspends and reactivates them."""

import os

import pytest

from chalicelib import keys
from tests.support.api import product_body
from tests.support.shopping import Shop


def _find_tenant(operator, tenant_id) -> dict | None:
    cursor = None
    while True:
        r = operator.get("/api/operator/tenants?limit=250" + (f"&cursor={cursor}" if cursor else ""))
        assert r.status_code == 200, r.body
        for t in r.json["items"]:
            if t["id"] == tenant_id:
                return t
        cursor = r.json["next"]
        if not cursor:
            return None


def test_the_operator_signs_in_through_the_same_login(api, operator):
    r = api.post("/api/auth/login", {"email": os.environ["OPERATOR_EMAIL"], "password": "not the password"})
    assert r.status_code == 401
    assert operator.get("/api/operator/tenants").status_code == 200


def test_the_tenant_list_shows_each_shop(operator, merchant):
    _, signup = merchant
    shop = signup["shop"]
    tenant = _find_tenant(operator, shop["id"])
    assert tenant is not None
    assert set(tenant) >= {"id", "subdomain", "plan", "status", "created_at", "usage"}
    assert (tenant["subdomain"], tenant["status"], tenant["plan"]) == (shop["subdomain"], "active", "starter")
    assert tenant["created_at"].endswith("Z") or "+00:00" in tenant["created_at"]


def test_the_tenant_list_pages(operator, new_shop):
    ours = {signup["shop"]["id"] for _, signup in (new_shop(), new_shop())}
    # Pages of one for a start, then of 250 to the end: a cursor carries on whatever the next page's size, and
    # the walk stays short however many shops the run has made before this test (every shop is on the list).
    seen, cursor = [], None
    for page in range(1000):
        limit = 1 if page < 3 else 250
        r = operator.get(f"/api/operator/tenants?limit={limit}" + (f"&cursor={cursor}" if cursor else ""))
        assert r.status_code == 200 and len(r.json["items"]) <= limit
        seen += [t["id"] for t in r.json["items"]]
        cursor = r.json["next"]
        if not cursor:
            break
    assert len(seen) == len(set(seen)) >= 2 and ours <= set(seen)
    assert operator.get("/api/operator/tenants?cursor=forged").status_code == 400
    assert operator.get("/api/operator/tenants?limit=0").status_code == 400


def test_a_merchant_token_gets_403_from_the_operator_api(merchant):
    shop_api, signup = merchant
    tid = signup["shop"]["id"]
    assert shop_api.get("/api/operator/tenants").status_code == 403
    assert shop_api.post(f"/api/operator/tenants/{tid}/suspend").status_code == 403
    assert shop_api.post(f"/api/operator/tenants/{tid}/reactivate").status_code == 403
    assert shop_api.get("/api/admin/products").status_code == 200  # still open: nothing was suspended


def test_the_operator_api_needs_a_token(api):
    assert api.get("/api/operator/tenants").status_code == 401


def test_an_operator_token_is_not_a_merchant_token(operator):
    r = operator.get("/api/admin/products")
    assert r.status_code == 403 and r.json["message"]


def test_suspending_an_unknown_shop_answers_404(operator):
    assert operator.post(f"/api/operator/tenants/{keys.new_id()}/suspend").status_code == 404


def test_a_suspended_shop_shows_a_friendly_503_and_its_admin_api_is_closed(api, operator, merchant):
    shop_api, signup = merchant
    shop = signup["shop"]
    shop_api.post("/api/admin/products", product_body("Frozen Lamp"))
    r = operator.post(f"/api/operator/tenants/{shop['id']}/suspend")
    assert r.status_code == 200 and r.json["status"] == "suspended" and r.json["id"] == shop["id"]

    for client, prefix in ((api.as_(host=f"{shop['subdomain']}.localhost:8000"), ""), (api, f"/s/{shop['subdomain']}")):
        for path in ("/", "/products/frozen-lamp", "/cart"):
            page = client.get(prefix + path)
            assert page.status_code == 503, (prefix, path)
            assert page.headers["Content-Type"].startswith("text/html")
            assert "back soon" in page.text and "Frozen Lamp" not in page.text
            assert shop["name"] in page.text and "/theme-settings.css" in page.text  # in the shop's own theme
        store = client.get(prefix + "/api/store/products")
        assert store.status_code == 503 and store.json["message"]
    for client, path in (
        (api.as_(host=f"{shop['subdomain']}.localhost:8000"), "/no-such-page"),
        (api, f"/s/{shop['subdomain']}/products/no-such-product"),
    ):
        missing = client.get(path)
        assert missing.status_code == 503 and "back soon" in missing.text, path

    for call in (
        lambda: shop_api.get("/api/admin/products"),
        lambda: shop_api.get("/api/admin/shop"),
        lambda: shop_api.post("/api/admin/products", product_body("While Suspended")),
    ):
        r = call()
        assert r.status_code == 403 and r.json["message"]
    assert _find_tenant(operator, shop["id"])["status"] == "suspended"


def test_suspending_twice_changes_nothing_and_reactivating_restores_the_shop(api, operator, merchant):
    shop_api, signup = merchant
    shop = signup["shop"]
    shop_api.post("/api/admin/products", product_body("Back Lamp"))
    first = operator.post(f"/api/operator/tenants/{shop['id']}/suspend")
    again = operator.post(f"/api/operator/tenants/{shop['id']}/suspend")
    assert first.status_code == again.status_code == 200 and first.json == again.json

    r = operator.post(f"/api/operator/tenants/{shop['id']}/reactivate")
    assert r.status_code == 200 and r.json["status"] == "active"
    assert operator.post(f"/api/operator/tenants/{shop['id']}/reactivate").json == r.json

    home = api.get(f"/s/{shop['subdomain']}/")
    assert home.status_code == 200 and "Back Lamp" in home.text
    assert api.as_(host=f"{shop['subdomain']}.localhost").get("/products/back-lamp").status_code == 200
    assert shop_api.get("/api/admin/products").status_code == 200
    assert shop_api.post("/api/admin/products", product_body("After")).status_code == 201


@pytest.mark.parametrize("action", ["suspend", "reactivate"])
def test_suspension_of_one_shop_leaves_others_open(api, operator, new_shop, action):
    a, a_signup = new_shop()
    b, b_signup = new_shop()
    operator.post(f"/api/operator/tenants/{a_signup['shop']['id']}/suspend")
    if action == "reactivate":
        operator.post(f"/api/operator/tenants/{a_signup['shop']['id']}/reactivate")
    assert api.get(f"/s/{b_signup['shop']['subdomain']}/").status_code == 200
    assert b.get("/api/admin/products").status_code == 200
    expected = 503 if action == "suspend" else 200
    assert api.get(f"/s/{a_signup['shop']['subdomain']}/").status_code == expected


def test_a_tenant_shows_what_its_shop_used_this_month(api, operator, paying_shop, stripe, monkeypatch):
    monkeypatch.setenv("SLA_FLUSH_SECONDS", "0")  # every request's count is written at once
    shop = Shop(api, paying_shop)
    variant = shop.product(price=1500)
    shop.product()
    assert shop.buy(stripe, (variant, 2))["status"] == "paid"

    usage = operator.post(f"/api/operator/tenants/{shop.tenant_id}/reactivate").json["usage"]
    assert {k: usage[k] for k in ("orders", "gmv", "currency", "products")} == {
        "orders": 1,
        "gmv": 3000,
        "currency": "USD",
        "products": 2,
    }
    assert usage["requests"] >= 8  # the merchant's and the shopper's calls above
    assert _find_tenant(operator, shop.tenant_id)["usage"] == usage
