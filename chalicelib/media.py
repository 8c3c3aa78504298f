"""Product media in S3, under the tenant's own prefix (`<tenant_id>/...`)."""
from . import aws, settings
from .errors import Invalid


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
    aws.client("s3").put_object(Bucket=settings.MEDIA_BUCKET, Key=key, Body=body, ContentType=content_type,
                         CacheControl="public, max-age=31536000, immutable")
    return key
