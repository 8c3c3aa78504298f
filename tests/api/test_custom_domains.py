"""A custom domain is pending until its DNS TXT record proves it (chalicelib/domains.py); a pending domain
serves nothing and stops no one. `PATCH /api/admin/shop` is validated whole, then written in one transaction."""

import requests

from chalicelib import domains, keys
from chalicelib.db import Claim
from tests.support.api import own_domain, product_body, unique


def _domain() -> str:
    return f"{unique('www')}.example.org"


def _claimant(domain: str) -> str | None:
    claim = Claim.get(keys.domain_claim(domain), keys.CLAIM_SK) if Claim.count(keys.domain_claim(domain)) else None
    return claim.tenant_id if claim else None


def _publish(record: dict) -> None:
    domains.resolver.publish(record["txt_name"], record["txt_value"])


def test_a_new_domain_is_pending_serves_nothing_and_turns_verified_once_its_txt_record_is_found(merchant, api):
    shop_api, signup = merchant
    assert shop_api.post("/api/admin/products", product_body("Proof Lamp")).status_code == 201
    domain = _domain()
    r = shop_api.patch("/api/admin/shop", {"custom_domain": domain})
    assert r.status_code == 200, r.body
    record = r.json["custom_domain"]
    assert record["host"] == domain and record["status"] == "pending"
    assert record["txt_name"] == f"_shopbuilder-verification.{domain}" and len(record["txt_value"]) > 30
    assert api.as_(host=domain).get("/").status_code == 404  # pending: no shop answers on it
    assert _claimant(domain) is None

    not_yet = shop_api.post("/api/admin/shop/domain/verify")
    assert not_yet.status_code == 409 and not_yet.json["fields"] == {"custom_domain": "not verified"}
    domains.resolver.publish(record["txt_name"], "shopbuilder-verification=someone-elses-token")
    assert shop_api.post("/api/admin/shop/domain/verify").status_code == 409

    _publish(record)
    done = shop_api.post("/api/admin/shop/domain/verify")
    assert done.status_code == 200 and done.json["custom_domain"] == {**record, "status": "verified"}
    assert _claimant(domain) == signup["shop"]["id"]
    page = api.as_(host=domain).get("/")
    assert page.status_code == 200 and "Proof Lamp" in page.text
    assert shop_api.post("/api/admin/shop/domain/verify").status_code == 200  # again: as it is
    on_domain = shop_api.as_(host=f"{domain}:8000")
    assert on_domain.get("/api/admin/shop").json["storefront_url"] == f"http://{domain}:8000/"


def test_a_squatters_pending_domain_does_not_stop_its_owner(new_shop, api):
    squatter, _ = new_shop()
    owner, signup = new_shop()
    domain = _domain()
    squatted = squatter.patch("/api/admin/shop", {"custom_domain": domain})
    assert squatted.status_code == 200 and squatted.json["custom_domain"]["status"] == "pending"

    proved = own_domain(owner, domain)  # the owner attaches it anyway and proves it
    assert proved["custom_domain"]["status"] == "verified" and _claimant(domain) == signup["shop"]["id"]
    _publish(squatted.json["custom_domain"])  # even with its own record published, the squatter comes second
    late = squatter.post("/api/admin/shop/domain/verify")
    assert late.status_code == 409 and late.json["fields"] == {"custom_domain": "taken"}
    assert squatter.get("/api/admin/shop").json["custom_domain"]["status"] == "pending"
    assert api.as_(host=domain).get("/api/store/products").status_code == 200
    assert _claimant(domain) == signup["shop"]["id"]


def test_a_pending_domain_is_no_host_of_the_shop_in_urls(merchant):
    shop_api, signup = merchant
    domain = _domain()
    assert shop_api.patch("/api/admin/shop", {"custom_domain": domain}).status_code == 200
    sub = signup["shop"]["subdomain"]
    assert shop_api.as_(host=domain).get("/api/admin/shop").json["storefront_url"] == f"http://{sub}.localhost:8000/"


def test_verify_without_a_domain_is_409(merchant):
    shop_api, _ = merchant
    r = shop_api.post("/api/admin/shop/domain/verify")
    assert r.status_code == 409 and r.json["fields"] == {"custom_domain": "none"}


def test_a_bad_field_leaves_the_shop_and_every_domain_claim_unchanged(merchant, api):
    shop_api, signup = merchant
    old, new = _domain(), _domain()
    before = own_domain(shop_api, old)
    r = shop_api.patch("/api/admin/shop", {"custom_domain": new, "name": "   ", "theme": {"font": "serif"}})
    assert r.status_code == 400 and r.json["fields"] == {"name": "must not be blank"}
    assert shop_api.get("/api/admin/shop").json == before
    assert _claimant(old) == signup["shop"]["id"] and _claimant(new) is None
    assert api.as_(host=old).get("/").status_code == 200


def test_a_new_domain_replaces_the_verified_one_in_one_change(merchant, api):
    shop_api, signup = merchant
    old, new = _domain(), _domain()
    own_domain(shop_api, old)
    r = shop_api.patch("/api/admin/shop", {"custom_domain": new, "name": "Renamed"})
    assert r.status_code == 200 and r.json["name"] == "Renamed"
    assert r.json["custom_domain"]["host"] == new and r.json["custom_domain"]["status"] == "pending"
    assert _claimant(old) is None and api.as_(host=old).get("/").status_code == 404
    assert own_domain(shop_api, new)["custom_domain"]["status"] == "verified"


def test_make_run_publishes_a_txt_record_with_a_local_route(merchant, live_server):
    shop_api, _ = merchant
    record = shop_api.patch("/api/admin/shop", {"custom_domain": _domain()}).json["custom_domain"]
    published = requests.put(
        f"{live_server}/_dns/txt", json={"name": record["txt_name"], "value": record["txt_value"]}, timeout=30
    )
    assert published.status_code == 204
    assert requests.put(f"{live_server}/_dns/txt", data="[1]", timeout=30).status_code == 400
    assert shop_api.post("/api/admin/shop/domain/verify").json["custom_domain"]["status"] == "verified"
