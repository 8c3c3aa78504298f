"""Product media in S3, under the tenant's own prefix (`<tenant_id>/...`).

A merchant's browser posts an image straight to S3 (`start_upload`: a presigned POST bound to one key of the
shop, one image type and the file's size), the upload's event runs `process` in the media function (Pillow in
its own layer), which checks the bytes, leaves their metadata behind and writes the sizes themes show, as WebP
and as JPEG (PNG for transparency), under `<tenant_id>/sizes/<media_id>/`. Shoppers only ever get those.
"""

import functools
import re

import boto3
from botocore.config import Config
from botocore.exceptions import ClientError
from pynamodb.attributes import MapAttribute, NumberAttribute, UnicodeAttribute
from pynamodb.exceptions import DoesNotExist

from . import aws, clock, isolation, keys, settings
from .db import Document, TenantItem
from .errors import Invalid, Unavailable

MAX_BYTES = 20 * 1024 * 1024
UPLOAD_SECONDS = 15 * 60  # how long a presigned upload may start
TYPES = ("image/jpeg", "image/png", "image/webp", "image/gif")
# The widths themes ask for (never wider than the original); `urls` and srcsets name them.
SIZES = {"small": 400, "medium": 800, "large": 1600}
FALLBACK_EXTENSIONS = {"image/jpeg": "jpg", "image/png": "png"}
IMMUTABLE = "public, max-age=31536000, immutable"
# An upload's key: `<tenant_id>/media/<media_id>-<filename>`; its sizes': `<tenant_id>/sizes/<media_id>/<size>.<ext>`.
_ORIGINAL = re.compile(r"^(?P<tenant>[0-9A-Z]{26})/media/(?P<media>[0-9A-Z]{26})-[A-Za-z0-9._-]+$")
_SIZE = re.compile(r"^[0-9A-Z]{26}/sizes/[0-9A-Z]{26}/[a-z]+\.[a-z]+$")


class MediaRecord(TenantItem, discriminator="media"):
    """What processing made of one upload (media.process): the sizes exist once `status` is ready."""

    media_id = UnicodeAttribute()
    key = UnicodeAttribute()  # the original upload, never shown to shoppers
    status = UnicodeAttribute()  # processing | ready | rejected
    content_type = UnicodeAttribute()
    reason = UnicodeAttribute(null=True)  # why it was rejected, for the merchant
    width = NumberAttribute(null=True)  # upright (EXIF orientation applied)
    height = NumberAttribute(null=True)
    fallback = UnicodeAttribute(null=True)  # the sizes' non-WebP extension: jpg, or png for transparency
    sizes: Document = MapAttribute(default=dict)  # {small|medium|large: {width, height}}
    created_at = UnicodeAttribute()
    updated_at = UnicodeAttribute()


def tenant_prefix(tenant_id: str) -> str:
    return f"{tenant_id}/"


def url_for(key: str) -> str:
    return f"{settings.MEDIA_BASE_URL}/{key}"


def check_key(tenant_id: str, key: str, field: str) -> str:
    if not key.startswith(tenant_prefix(tenant_id)) or ".." in key:
        raise Invalid(f"{field}: not one of this shop's media", {field: "not one of this shop's media"})
    return key


def size_key(tenant_id: str, media_id: str, size: str, extension: str) -> str:
    return f"{tenant_prefix(tenant_id)}sizes/{media_id}/{size}.{extension}"


def put(tenant_id: str, name: str, body: bytes, content_type: str) -> str:
    return store(tenant_prefix(tenant_id) + name, body, content_type)


def store(key: str, body: bytes, content_type: str) -> str:
    try:
        aws.client("s3").put_object(
            Bucket=settings.MEDIA_BUCKET, Key=key, Body=body, ContentType=content_type, CacheControl=IMMUTABLE
        )
    except ClientError as e:
        if e.response.get("ResponseMetadata", {}).get("HTTPStatusCode", 0) < 500:
            raise
        # S3 busy or briefly down: nothing was stored, so the same write may simply run again.
        raise Unavailable("Media storage is unavailable right now; try again") from None
    return key


def list_media(tenant_id: str, *, limit: int, cursor: str | None) -> dict:
    """The shop's uploaded images in key order (their names start with an id, so oldest first); `cursor` is the
    last key of the previous page."""
    prefix = tenant_prefix(tenant_id) + "media/"
    if cursor and (not cursor.startswith(prefix) or ".." in cursor):
        raise Invalid("Invalid cursor", {"cursor": "not a cursor this API gave out"})
    answer = aws.client("s3").list_objects_v2(
        Bucket=settings.MEDIA_BUCKET, Prefix=prefix, MaxKeys=limit, StartAfter=cursor or ""
    )
    stored = [o["Key"] for o in answer.get("Contents", [])]
    found = media_items(tenant_id, stored)
    items = [{k: v for k, v in image_answer({"key": key}, found).items() if k != "alt"} for key in stored]
    return {"items": items, "next": items[-1]["key"] if answer.get("IsTruncated") and items else None}


# Uploads ------------------------------------------------------------------------------------------------------------


def start_upload(tenant_id: str, *, filename: str, content_type: str, size: int) -> dict:
    """`{key, upload: {url, fields}}`: the browser posts `fields` and then the file to `url`. S3 holds the post to
    the policy signed here: this key only, this content type, at most `size` bytes, within UPLOAD_SECONDS."""
    key = f"{tenant_prefix(tenant_id)}media/{keys.new_id()}-{filename}"
    post = _signing_client(tenant_id).generate_presigned_post(
        Bucket=settings.MEDIA_BUCKET,
        Key=key,
        Fields={"Content-Type": content_type},
        Conditions=[{"Content-Type": content_type}, ["content-length-range", 1, size]],
        ExpiresIn=UPLOAD_SECONDS,
    )
    return {"key": key, "upload": {"url": settings.MEDIA_UPLOAD_URL, "fields": post["fields"]}}


def _signing_client(tenant_id: str):
    """A client signing as the tenant's session (allowed its own prefix only, chalicelib/isolation.py): a
    presigned post is signed here, not per call, so the scoped client's per-request credentials do not apply."""
    creds = isolation.credentials_for(tenant_id)
    return _client_signing_as(*((creds.access_key, creds.secret_key, creds.token) if creds else (None, None, None)))


@functools.lru_cache(maxsize=64)
def _client_signing_as(access_key: str | None, secret_key: str | None, token: str | None):
    """None: the function's own credentials (no isolation configured). SigV4: S3 refuses older signatures."""
    return boto3.client(
        "s3",
        region_name=settings.REGION,
        aws_access_key_id=access_key,
        aws_secret_access_key=secret_key,
        aws_session_token=token,
        config=Config(signature_version="s3v4"),
    )


# Processing ---------------------------------------------------------------------------------------------------------


def process(key: str) -> str | None:
    """The media function's work for one stored object: its status once done (ready or rejected), None for an
    object that is no upload (a size written here) or is gone. Runs again harmlessly: events arrive at least
    once, and the backfill sends every upload."""
    found = _ORIGINAL.match(key)
    if found is None:
        return None
    tenant_id, media_id = found["tenant"], found["media"]
    with isolation.tenant(tenant_id):
        try:
            existing = MediaRecord.get(tenant_id, keys.media_sk(media_id), consistent_read=True)
        except DoesNotExist:
            existing = None
        if existing is not None and existing.status != "processing":
            return existing.status
        try:
            stored = aws.client("s3").get_object(Bucket=settings.MEDIA_BUCKET, Key=key)
        except ClientError as e:
            if e.response.get("Error", {}).get("Code") in ("NoSuchKey", "404"):
                return None
            raise
        content_type = stored.get("ContentType", "")
        now = clock.now_iso()
        record = MediaRecord(
            tenant_id,
            keys.media_sk(media_id),
            media_id=media_id,
            key=key,
            status="processing",
            content_type=content_type,
            created_at=existing.created_at if existing else now,
            updated_at=now,
        )
        record.save()
        _processed(record, stored["Body"].read())
        record.updated_at = clock.now_iso()
        record.save()
        return record.status


def _processed(record: MediaRecord, data: bytes) -> None:
    """Fills in `record`: its sizes written and described, or why it was rejected."""
    from . import imaging  # Pillow: in the media function's layer only, never loaded by the storefront's handler

    if record.content_type not in TYPES:
        record.status, record.reason = "rejected", f"{record.content_type or 'this type'} is not an image type shown"
        return
    try:
        done = imaging.process(data, record.content_type, SIZES)
    except imaging.Rejected as e:
        record.status, record.reason = "rejected", e.reason
        return
    extension = FALLBACK_EXTENSIONS[done.fallback_type]
    for rendition in done.renditions:
        store(size_key(record.pk, record.media_id, rendition.name, "webp"), rendition.webp, "image/webp")
        store(size_key(record.pk, record.media_id, rendition.name, extension), rendition.fallback, done.fallback_type)
    record.status, record.width, record.height, record.fallback = "ready", done.width, done.height, extension
    record.sizes = {r.name: {"width": r.width, "height": r.height} for r in done.renditions}


def is_upload(key: str) -> bool:
    """An original a merchant uploaded (not a size written by processing)."""
    return _ORIGINAL.match(key) is not None


def is_size(key: str) -> bool:
    """A size processing wrote: the only objects served to anyone (the CDN reads nothing else; uploads keep the
    camera's metadata, and a file that was refused stays unserved)."""
    return _SIZE.match(key) is not None


def upload_event(key: str) -> dict:
    """The event S3 sends through EventBridge when `key` is stored (what the backfill sends for an older upload)."""
    return {
        "source": "aws.s3",
        "detail-type": "Object Created",
        "detail": {"bucket": {"name": settings.MEDIA_BUCKET}, "object": {"key": key}},
    }


def processed_event_key(event: dict) -> str:
    """The object key an upload's event names."""
    return event["detail"]["object"]["key"]


# Images as answers and templates see them ---------------------------------------------------------------------------


def media_items(tenant_id: str, image_keys: list[str]) -> dict[str, MediaRecord]:
    """key -> its media item, for those of `image_keys` processing has seen (one BatchGet)."""
    ids = {found["media"]: k for k in image_keys if (found := _ORIGINAL.match(k)) and found["tenant"] == tenant_id}
    if not ids:
        return {}
    wanted = [(tenant_id, keys.media_sk(media_id)) for media_id in ids]
    return {ids[r.media_id]: r for r in MediaRecord.batch_get(wanted)}


def image_answer(image: dict, items: dict[str, MediaRecord]) -> dict:
    """A product's image `{key, alt}` as answers carry it: its `status` (processing until its event has run,
    then ready, or rejected with the `reason`), and once ready `urls` of each size (JPEG or PNG), `webp_urls`,
    `widths`, and its `width` and `height`."""
    record = items.get(image["key"])
    answer = {
        "key": image["key"],
        "alt": image.get("alt", ""),
        "status": record.status if record else "processing",
        **({"reason": record.reason} if record and record.status == "rejected" else {}),
    }
    if record is not None and record.status == "ready":
        answer.update(
            width=int(record.width),
            height=int(record.height),
            urls={size: _size_url(record, size, record.fallback) for size in record.sizes},
            webp_urls={size: _size_url(record, size, "webp") for size in record.sizes},
            widths={size: int(record.sizes[size]["width"]) for size in record.sizes},
        )
    return answer


def _size_url(record: MediaRecord, size: str, extension: str) -> str:
    return url_for(size_key(record.pk, record.media_id, size, extension))


def storefront_image(image: dict, alt: str) -> dict | None:
    """What a theme's `<picture>` needs of a product's image (an `image_answer`): `{alt, width, height, src,
    srcset, webp_srcset}`, `src` the medium size; None while it is not processed (the original is never shown).
    `alt` as the page means it: the merchant's text, the product's title, or empty where a link says it already."""
    if "urls" not in image:
        return None
    by_width = {image["widths"][s]: s for s in sorted(image["widths"], key=image["widths"].get, reverse=True)}
    order = [by_width[w] for w in sorted(by_width)]  # a small original's sizes are one width: named once
    return {
        "alt": alt,
        "width": image["width"],
        "height": image["height"],
        "src": image["urls"].get("medium") or image["urls"][order[-1]],
        "srcset": ", ".join(f"{image['urls'][s]} {image['widths'][s]}w" for s in order),
        "webp_srcset": ", ".join(f"{image['webp_urls'][s]} {image['widths'][s]}w" for s in order),
    }
