"""Product media in S3, under the tenant's own prefix (`<tenant_id>/...`)."""

import base64
import binascii

from botocore.exceptions import ClientError

from . import aws, keys, settings
from .errors import Invalid, Unavailable

MAX_BYTES = 4 * 1024 * 1024
# What each allowed type's file starts with: the declared type must match the bytes.
_MAGIC = {
    "image/png": (b"\x89PNG\r\n\x1a\n",),
    "image/jpeg": (b"\xff\xd8\xff",),
    "image/gif": (b"GIF87a", b"GIF89a"),
    "image/webp": (b"RIFF",),
}


def tenant_prefix(tenant_id: str) -> str:
    return f"{tenant_id}/"


def url_for(key: str) -> str:
    return f"{settings.MEDIA_BASE_URL}/{key}"


def check_key(tenant_id: str, key: str, field: str) -> str:
    if not key.startswith(tenant_prefix(tenant_id)) or ".." in key:
        raise Invalid(f"{field}: not one of this shop's media", {field: "not one of this shop's media"})
    return key


def put(tenant_id: str, name: str, body: bytes, content_type: str) -> str:
    key = tenant_prefix(tenant_id) + name
    try:
        aws.client("s3").put_object(
            Bucket=settings.MEDIA_BUCKET,
            Key=key,
            Body=body,
            ContentType=content_type,
            CacheControl="public, max-age=31536000, immutable",
        )
    except ClientError as e:
        if e.response.get("ResponseMetadata", {}).get("HTTPStatusCode", 0) < 500:
            raise
        # S3 busy or briefly down: nothing was stored, so the merchant may simply send it again.
        raise Unavailable("Media storage is unavailable right now; try the upload again") from None
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
    items = [{"key": o["Key"], "url": url_for(o["Key"])} for o in answer.get("Contents", [])]
    return {"items": items, "next": items[-1]["key"] if answer.get("IsTruncated") and items else None}


def upload(tenant_id: str, *, filename: str, content_type: str, data: str) -> dict:
    """A merchant's image, base64 in the request; SVG is refused (it can carry scripts)."""
    try:
        body = base64.b64decode(data, validate=True)
    except (binascii.Error, ValueError):
        raise Invalid("data: not base64", {"data": "not base64"}) from None
    if len(body) > MAX_BYTES:
        raise Invalid("data: at most 4 MiB", {"data": "too large"})
    if not body.startswith(_MAGIC[content_type]):
        raise Invalid(f"data: not a {content_type} file", {"data": f"not a {content_type} file"})
    key = put(tenant_id, f"media/{keys.new_id()}-{filename}", body, content_type)
    return {"key": key, "url": url_for(key)}
