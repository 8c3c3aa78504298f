"""Uploads straight to storage: the API signs a POST for one key of the shop, one image type and the file's size;
the local stand-in for S3 holds a post to that policy (each violation refused), then processing makes the sizes
themes show, or rejects what is no image."""

import base64
import json

import pytest

from chalicelib import media as media_module
from chalicelib.media import MediaRecord
from infra.local.media_uploads import Refused
from tests.support import clock, media
from tests.support.api import product_body


def _policy(started: dict) -> dict:
    return json.loads(base64.b64decode(started["upload"]["fields"]["policy"]))


def test_starting_an_upload_answers_a_post_bound_to_one_key_of_the_shop_its_type_and_size(merchant):
    shop_api, signup = merchant
    started = media.start(shop_api, b"x" * 5000, "image/png", "logo.png")
    assert started.status_code == 201, started.body
    key = started.json["key"]
    assert key.startswith(f"{signup['shop']['id']}/media/") and key.endswith("-logo.png")
    fields = started.json["upload"]["fields"]
    assert fields["key"] == key and fields["Content-Type"] == "image/png"
    conditions = _policy(started.json)["conditions"]
    assert {"key": key} in conditions and {"Content-Type": "image/png"} in conditions
    assert ["content-length-range", 1, 5000] in conditions
    assert started.json["upload"]["url"] == media_module.settings.MEDIA_UPLOAD_URL


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"filename": "a.svg", "content_type": "image/svg+xml", "size": 10}, "content_type"),
        ({"filename": "a.jpg", "content_type": "image/jpeg", "size": 20 * 1024 * 1024 + 1}, "size"),
        ({"filename": "a.jpg", "content_type": "image/jpeg", "size": 0}, "size"),
        ({"filename": "../b.jpg", "content_type": "image/jpeg", "size": 10}, "filename"),
        ({"filename": "a.jpg", "content_type": "image/jpeg"}, "size"),
    ],
    ids=["svg", "over-20-MiB", "empty", "path-in-name", "no-size"],
)
def test_an_upload_the_platform_does_not_take_is_refused_before_anything_is_signed(merchant, body, field):
    shop_api, _ = merchant
    refused = shop_api.post("/api/admin/media/uploads", body)
    assert refused.status_code == 400 and field in json.dumps(refused.json)


def test_the_base64_upload_route_is_gone(api):
    assert list(api.get("/openapi.json").json["paths"]["/api/admin/media"]) == ["get"]


def test_an_uploaded_photo_is_processed_and_a_product_answer_carries_its_sizes(merchant):
    shop_api, signup = merchant
    key = media.upload(shop_api, media.photo(2000, 1000))
    product = shop_api.post("/api/admin/products", product_body(images=[{"key": key}])).json
    image = product["images"][0]
    assert image["widths"] == {"small": 400, "medium": 800, "large": 1600}
    assert set(image["urls"]) == set(image["webp_urls"]) == {"small", "medium", "large"}
    stored = media_module.aws.client("s3").head_object(
        Bucket=media_module.settings.MEDIA_BUCKET, Key=image["webp_urls"]["small"].split("/media/", 1)[1]
    )
    assert stored["ContentType"] == "image/webp" and "immutable" in stored["CacheControl"]
    shown = media_module.storefront_image(image, alt="Linen shirt")
    assert shown == {
        "alt": "Linen shirt",
        "width": 2000,
        "height": 1000,
        "src": image["urls"]["medium"],
        "srcset": f"{image['urls']['small']} 400w, {image['urls']['medium']} 800w, {image['urls']['large']} 1600w",
        "webp_srcset": ", ".join(f"{image['webp_urls'][s]} {w}w" for s, w in image["widths"].items()),
    }
    storefront = shop_api.as_(token="", host=f"{signup['shop']['subdomain']}.localhost:8000")
    listed = storefront.get("/api/store/products").json["items"][0]
    assert listed["images"][0]["urls"] == image["urls"]
    for path in ("/", f"/products/{product['handle']}"):
        page = storefront.get(path).text
        assert f'<source type="image/webp" srcset="{shown["webp_srcset"]}"' in page, path
        assert f'srcset="{shown["srcset"]}"' in page and 'width="2000" height="1000"' in page, path
        assert key not in page, path  # never the original upload


def test_a_png_uploaded_as_a_jpeg_is_rejected_and_never_gets_sizes(merchant):
    shop_api, signup = merchant
    key = media.upload(shop_api, media.photo(300, 300, format="PNG"), "image/jpeg", "renamed.jpg")
    record = MediaRecord.get(signup["shop"]["id"], f"MEDIA#{key.split('/media/')[1][:26]}")
    assert record.status == "rejected" and "PNG image" in record.reason
    image = shop_api.post("/api/admin/products", product_body(images=[{"key": key}])).json["images"][0]
    assert (image["status"], image["reason"]) == ("rejected", record.reason)
    assert "urls" not in image and media_module.storefront_image(image, "") is None


def test_processing_again_changes_nothing(merchant):
    shop_api, _ = merchant
    key = media.upload(shop_api, media.photo(500, 500))
    assert media_module.process(key) == "ready"
    assert media_module.process(key.replace("/media/", "/sizes/")) is None  # a size written is no upload


# What the stand-in for S3 refuses, each as S3 does -------------------------------------------------------------------


@pytest.fixture
def started(merchant):
    shop_api, _ = merchant
    data = media.photo(400, 300)
    return media.start(shop_api, data).json, data


def _refused(started_upload, data, fields=None) -> Refused:
    with pytest.raises(Refused) as refused:
        media.post(started_upload, data, fields)
    return refused.value


def test_a_post_with_a_forged_signature_is_refused(started):
    upload, data = started
    assert _refused(upload, data, {"x-amz-signature": "0" * 64}).code == "SignatureDoesNotMatch"


def test_a_policy_changed_after_signing_is_refused(started):
    upload, data = started
    policy = _policy(upload)
    policy["conditions"] = [c for c in policy["conditions"] if not (isinstance(c, list) and c[0].startswith("content"))]
    forged = base64.b64encode(json.dumps(policy).encode()).decode()
    assert _refused(upload, data, {"policy": forged}).code == "SignatureDoesNotMatch"


def test_a_post_after_the_policy_expired_is_refused(started, monkeypatch):
    upload, data = started
    clock.later(monkeypatch, media_module.UPLOAD_SECONDS + 1)
    assert "expired" in _refused(upload, data).message


def test_a_post_of_another_type_than_signed_is_refused(started):
    upload, data = started
    assert "content-type" in _refused(upload, data, {"Content-Type": "image/svg+xml"}).message


def test_a_file_bigger_than_signed_is_refused(started):
    upload, data = started
    assert _refused(upload, data + b"\0" * 10).code == "EntityTooLarge"


def test_a_post_to_another_key_is_refused(started, new_shop):
    upload, data = started
    _, other = new_shop()
    assert (
        "key"
        in _refused(upload, data, {"key": f"{other['shop']['id']}/media/01ABCDEFGHJKMNPQRSTVWXYZ00-x.jpg"}).message
    )


def test_a_post_with_fields_the_policy_does_not_cover_is_refused(started):
    upload, data = started
    assert "Extra input fields: acl" in _refused(upload, data, {"acl": "public-read"}).message


def test_a_post_without_a_file_is_refused(started):
    from infra.local import media_uploads

    upload, _ = started
    content_type, body = media.multipart(upload["upload"]["fields"], b"")
    body = body.replace(b'name="file"', b'name="notes"')
    with pytest.raises(Refused, match="exactly one file"):
        media_uploads.accept(content_type, body)


def test_nothing_refused_reaches_the_bucket(started):
    upload, data = started
    for fields in ({"x-amz-signature": "0" * 64}, {"Content-Type": "text/html"}, {"acl": "public-read"}):
        _refused(upload, data, fields)
    listed = media_module.aws.client("s3").list_objects_v2(
        Bucket=media_module.settings.MEDIA_BUCKET, Prefix=upload["key"]
    )
    assert listed.get("KeyCount", 0) == 0


def test_the_backfill_gives_images_stored_before_processing_their_sizes(merchant):
    import boto3

    from infra import backfill_media

    shop_api, signup = merchant
    older = media_module.put(
        signup["shop"]["id"], "media/01J0000000000000000000OLD0-old.jpg", media.photo(640, 480), "image/jpeg"
    )
    media_module.put(signup["shop"]["id"], "media/01J0000000000000000000SVG0-logo.svg", b"<svg/>", "image/svg+xml")
    product = shop_api.post("/api/admin/products", product_body(images=[{"key": older}])).json
    assert product["images"][0]["status"] == "processing" and "urls" not in product["images"][0]
    sent = backfill_media.backfill(boto3.Session(), media_module.settings.STAGE, media_module.settings.MEDIA_BUCKET)
    assert sent >= 2  # every shop's uploads in the bucket, this one's two among them
    image = shop_api.get(f"/api/admin/products/{product['id']}").json["images"][0]
    assert image["widths"] == {"small": 400, "medium": 640, "large": 640}
    assert (
        backfill_media.backfill(boto3.Session(), media_module.settings.STAGE, media_module.settings.MEDIA_BUCKET)
        == sent
    )


def test_the_cart_shows_the_products_small_size_never_the_original(merchant):
    shop_api, signup = merchant
    key = media.upload(shop_api, media.photo(1000, 1000))
    product = shop_api.post("/api/admin/products", product_body(images=[{"key": key, "alt": "A mug"}])).json
    store = shop_api.as_(token="", host=f"{signup['shop']['subdomain']}.localhost:8000")
    cart = store.post("/api/store/carts", {}).json
    added = store.post(
        f"/api/store/carts/{cart['id']}/items", {"variant_id": product["variants"][0]["id"], "quantity": 1}
    )
    assert added.status_code in (200, 201), added.body
    assert added.json["lines"][0]["image"]["urls"] == product["images"][0]["urls"]
    page = store.get("/cart", headers={"cookie": f"cart={cart['id']}"}).text
    assert product["images"][0]["webp_urls"]["small"] in page and key not in page


def test_only_the_sizes_are_served_never_the_upload_with_its_camera_data(merchant, live_server):
    import requests

    shop_api, _ = merchant
    key = media.upload(shop_api, media.photo(500, 500))
    image = shop_api.post("/api/admin/products", product_body(images=[{"key": key}])).json["images"][0]
    size = requests.get(live_server + image["webp_urls"]["small"], timeout=10)
    assert size.status_code == 200 and size.headers["Content-Type"] == "image/webp"
    assert requests.get(f"{live_server}/media/{key}", timeout=10).status_code == 404
