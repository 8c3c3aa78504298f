"""A storefront's host -> shop resolution is reused for SHOP_CACHE_SECONDS, never longer."""

import pytest

from chalicelib import keys, settings, tenants
from chalicelib.db import Claim, ShopRecord


@pytest.fixture
def clock(monkeypatch):
    now = [1000.0]
    monkeypatch.setattr(settings, "SHOP_CACHE_SECONDS", 5.0)
    monkeypatch.setattr(tenants, "_now", lambda: now[0])
    with tenants._resolved_lock:
        tenants._resolved.clear()
    return now


@pytest.fixture
def storefront(api, new_shop, clock):
    _, signup = new_shop()
    return api.as_(token="", host=f"{signup['shop']['subdomain']}.localhost:8000"), signup["shop"]["id"]


def test_repeat_storefront_requests_skip_the_two_lookups_while_cached(storefront, monkeypatch):
    store, _ = storefront
    assert store.get("/").status_code == 200
    lookups = []
    original = Claim.get.__func__
    monkeypatch.setattr(Claim, "get", classmethod(lambda cls, *a, **k: lookups.append(a) or original(cls, *a, **k)))
    assert store.get("/").status_code == 200
    assert lookups == []


def test_a_shop_suspended_elsewhere_closes_here_once_the_cache_time_has_passed(storefront, clock):
    store, tenant_id = storefront
    assert store.get("/").status_code == 200
    # Another container suspends the shop: this one's entry does not know yet.
    ShopRecord.get(tenant_id, keys.SHOP_SK).update(actions=[ShopRecord.status.set("suspended")])
    clock[0] += settings.SHOP_CACHE_SECONDS - 0.5
    assert store.get("/").status_code == 200
    clock[0] += 1
    assert store.get("/").status_code == 503


def test_a_suspension_made_by_this_container_applies_at_once(storefront):
    store, tenant_id = storefront
    assert store.get("/").status_code == 200
    tenants.set_status(tenant_id, "suspended")
    assert store.get("/").status_code == 503
    tenants.set_status(tenant_id, "active")
    assert store.get("/").status_code == 200


def test_with_no_cache_time_every_request_resolves_afresh(storefront, monkeypatch):
    store, tenant_id = storefront
    monkeypatch.setattr(settings, "SHOP_CACHE_SECONDS", 0)
    assert store.get("/").status_code == 200
    ShopRecord.get(tenant_id, keys.SHOP_SK).update(actions=[ShopRecord.status.set("suspended")])
    assert store.get("/").status_code == 503
