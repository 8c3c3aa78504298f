from tests.support import media
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


def test_merchant_uploads_an_image_and_its_sizes_show_on_the_product(api, merchant):
    shop_api, _ = merchant
    key = media.upload(shop_api, media.photo(1200, 900))
    made = shop_api.post("/api/admin/products", product_body(images=[{"key": key, "alt": "A shirt"}]))
    assert made.status_code == 201, made.body
    image = made.json["images"][0]
    assert (image["key"], image["width"], image["height"]) == (key, 1200, 900)
    assert image["widths"] == {"small": 400, "medium": 800, "large": 1200}
    assert image["urls"]["medium"].endswith("/sizes/" + key.split("/media/")[1][:26] + "/medium.jpg")
    assert image["webp_urls"]["large"].endswith("/large.webp")


def test_product_images_must_be_this_shops_media(api, new_shop):
    (_a_api, a), (b_api, _) = new_shop(), new_shop()
    foreign = f"{a['shop']['id']}/media/x.png"
    r = b_api.post("/api/admin/products", product_body(images=[{"key": foreign}]))
    assert r.status_code == 400 and "images[0].key" in r.json["fields"]


def test_the_shops_uploads_are_listed_oldest_first_page_by_page_and_only_its_own(new_shop):
    (mine, _), (theirs, _) = new_shop(), new_shop()
    png = media.photo(20, 20, format="PNG")
    keys = [media.upload(mine, png, "image/png", name) for name in ("a.png", "b.png", "c.png")]
    first = mine.get("/api/admin/media?limit=2")
    assert first.status_code == 200 and [m["key"] for m in first.json["items"]] == keys[:2]
    rest = mine.get(f"/api/admin/media?limit=2&cursor={first.json['next']}")
    assert [m["key"] for m in rest.json["items"]] == keys[2:] and rest.json["next"] is None
    assert theirs.get("/api/admin/media").json["items"] == []
    assert theirs.get(f"/api/admin/media?cursor={keys[0]}").status_code == 400
