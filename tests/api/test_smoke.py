from tests.support.api import product_body


def test_signup_then_product_shows_in_both_storefront_forms(api, merchant):
    shop_api, signup = merchant
    sub = signup["shop"]["subdomain"]
    created = shop_api.post("/api/admin/products", product_body("Linen Apron"))
    assert created.status_code == 201, created.body
    for path, host in (
        (f"/s/{sub}/api/store/products", "localhost:8000"),
        ("/api/store/products", f"{sub}.localhost:8000"),
    ):
        listed = api.as_(host=host).get(path)
        assert [p["title"] for p in listed.json["items"]] == ["Linen Apron"]
    page = api.as_(host=f"{sub}.localhost:8000").get("/")
    assert page.status_code == 200 and "Linen Apron" in page.text


def test_merchant_uploads_an_image_and_uses_it_on_a_product(api, merchant):
    import base64

    shop_api, _ = merchant
    png = base64.b64encode(b"\x89PNG\r\n\x1a\n" + b"\0" * 64).decode()
    up = shop_api.post("/api/admin/media", {"filename": "shirt.png", "content_type": "image/png", "data": png})
    assert up.status_code == 201, up.body
    made = shop_api.post("/api/admin/products", product_body(images=[{"key": up.json["key"], "alt": "A shirt"}]))
    assert made.status_code == 201 and made.json["images"][0]["url"] == up.json["url"]
    liar = shop_api.post(
        "/api/admin/media",
        {"filename": "x.png", "content_type": "image/png", "data": base64.b64encode(b"<svg onload=alert(1)>").decode()},
    )
    assert liar.status_code == 400 and "data" in liar.json["fields"]


def test_product_images_must_be_this_shops_media(api, new_shop):
    (_a_api, a), (b_api, _) = new_shop(), new_shop()
    foreign = f"{a['shop']['id']}/media/x.png"
    r = b_api.post("/api/admin/products", product_body(images=[{"key": foreign}]))
    assert r.status_code == 400 and "images[0].key" in r.json["fields"]


def test_the_shops_uploads_are_listed_oldest_first_page_by_page_and_only_its_own(new_shop):
    import base64

    (mine, _), (theirs, _) = new_shop(), new_shop()
    png = base64.b64encode(b"\x89PNG\r\n\x1a\n" + b"\0" * 16).decode()
    keys = []
    for name in ("a.png", "b.png", "c.png"):
        up = mine.post("/api/admin/media", {"filename": name, "content_type": "image/png", "data": png})
        keys.append(up.json["key"])
    first = mine.get("/api/admin/media?limit=2")
    assert first.status_code == 200 and [m["key"] for m in first.json["items"]] == keys[:2]
    rest = mine.get(f"/api/admin/media?limit=2&cursor={first.json['next']}")
    assert [m["key"] for m in rest.json["items"]] == keys[2:] and rest.json["next"] is None
    assert theirs.get("/api/admin/media").json["items"] == []
    assert theirs.get(f"/api/admin/media?cursor={keys[0]}").status_code == 400
