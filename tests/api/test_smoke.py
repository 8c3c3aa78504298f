from tests.conftest import product_body


def test_signup_then_product_shows_in_both_storefront_forms(api, merchant):
    shop_api, signup = merchant
    sub = signup["shop"]["subdomain"]
    created = shop_api.post("/api/admin/products", product_body("Linen Apron"))
    assert created.status_code == 201, created.body
    for path, host in ((f"/s/{sub}/api/store/products", "localhost:8000"),
                       ("/api/store/products", f"{sub}.localhost:8000")):
        listed = api.as_(host=host).get(path)
        assert [p["title"] for p in listed.json["items"]] == ["Linen Apron"]
    page = api.as_(host=f"{sub}.localhost:8000").get("/")
    assert page.status_code == 200 and "Linen Apron" in page.text
