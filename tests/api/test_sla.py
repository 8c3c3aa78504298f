from chalicelib import accounts, sla
from tests.support.api import product_body


def operator_api(api):
    accounts.ensure_operator("sla-operator@platform.test", "operator password 1")
    token = api.post(
        "/api/auth/login", {"email": "sla-operator@platform.test", "password": "operator password 1"}
    ).json["token"]
    return api.as_(token=token)


def test_operator_sees_each_shops_requests_errors_and_latency_for_the_month(api, merchant):
    shop_api, signup = merchant
    sub, tid = signup["shop"]["subdomain"], signup["shop"]["id"]
    shop_api.post("/api/admin/products", product_body())
    for _ in range(3):
        assert api.get(f"/s/{sub}/").status_code == 200
    assert api.get(f"/s/{sub}/products/nope").status_code == 404  # a 4xx is not an outage
    sla.flush_all()
    report = operator_api(api).get("/api/operator/sla")
    assert report.status_code == 200
    mine = next(i for i in report.json["items"] if i["tenant_id"] == tid)
    assert mine["requests"] == 5 and mine["server_errors"] == 0 and mine["availability"] == 1.0
    assert mine["latency_ms"]["p50"] in sla.BUCKETS_MS and mine["promise"] == sla.PROMISES["starter"]


def test_sla_is_for_the_operator_only_and_month_must_be_a_month(api, merchant):
    shop_api, _ = merchant
    assert shop_api.get("/api/operator/sla").status_code == 403
    r = operator_api(api).get("/api/operator/sla?month=2026-13")
    assert r.status_code == 400 and "month" in r.json["fields"]


def test_percentile_reads_the_bucket_upper_bound():
    buckets = {"b0": 90, "b4": 9, "b7": 1}
    assert sla.percentile(buckets, 100, 0.5) == 5
    assert sla.percentile(buckets, 100, 0.95) == 100
    assert sla.percentile(buckets, 100, 0.999) == 1000
    assert sla.percentile({}, 0, 0.5) is None
