"""The local stand-in for S3's browser uploads (`POST /media` on the local server): a presigned POST
(chalicelib/media.start_upload) is held to its policy as S3 holds it, which moto does not: the signature
(SigV4, with the emulated account's or an assumed role's secret), the expiry, and every condition (the key, the
content type, the size range; no field the policy does not cover). An accepted file is stored in the emulated
bucket and processed at once, in-process: what the media function does in AWS after S3's event.
"""

import base64
import binascii
import hashlib
import hmac
import json
import os
from datetime import datetime
from email.parser import BytesParser
from email.policy import HTTP

from chalicelib import clock, media, settings

# A form's fields and S3's own envelope around the largest file allowed.
MAX_BODY = media.MAX_BYTES + 64 * 1024
# Form fields the policy need not name (S3: the signature's own fields, the policy and the file).
_UNSIGNED = {"policy", "x-amz-signature", "file"}


class Refused(Exception):
    """What S3 answers a post its policy does not allow: `status` (403, or 400 for a size) and S3's error code."""

    def __init__(self, status: int, code: str, message: str):
        super().__init__(message)
        self.status, self.code, self.message = status, code, message


def accept(content_type: str, body: bytes) -> str:
    """Stores and processes a browser's `multipart/form-data` post; its key. Refused as S3 would refuse it."""
    if len(body) > MAX_BODY:
        raise Refused(400, "EntityTooLarge", "Your proposed upload exceeds the maximum allowed size")
    fields, file = _form(content_type, body)
    if file is None:
        raise Refused(400, "InvalidArgument", "POST requires exactly one file upload per request")
    policy, tenant_id = _checked_policy(fields)
    _hold_to(policy, fields, len(file))
    key = fields["key"]
    if tenant_id is not None and not key.startswith(media.tenant_prefix(tenant_id)):
        # IAM's part in AWS: a tenant's session may write under its own prefix only (chalicelib/isolation.py).
        raise Refused(403, "AccessDenied", "Access Denied")
    media.store(key, file, fields.get("content-type", "binary/octet-stream"))
    media.process(key)
    return key


def _form(content_type: str, body: bytes) -> tuple[dict[str, str], bytes | None]:
    """The form's fields (names lower-cased: S3 matches them so) and the file's bytes."""
    message = BytesParser(policy=HTTP).parsebytes(f"Content-Type: {content_type}\r\n\r\n".encode() + body)
    if not message.is_multipart():
        raise Refused(400, "InvalidArgument", "an upload is multipart/form-data")
    fields: dict[str, str] = {}
    file = None
    for part in message.iter_parts():
        name = (part.get_param("name", header="content-disposition") or "").lower()
        data = part.get_payload(decode=True) or b""
        if name == "file":
            file = data
            break  # S3 ignores whatever follows the file
        fields[name] = data.decode("utf-8", "replace")
    return fields, file


def _checked_policy(fields: dict[str, str]) -> tuple[dict, str | None]:
    """The policy, once its signature is the one its credential's secret makes and it has not expired, and the
    tenant whose session signed it (None: the account's own credentials)."""
    try:
        policy_text = fields["policy"]
        credential = fields["x-amz-credential"].split("/")
        access_key, day, region, service = credential[0], credential[1], credential[2], credential[3]
        policy = json.loads(base64.b64decode(policy_text, validate=True))
    except (KeyError, IndexError, ValueError, binascii.Error):
        raise Refused(403, "AccessDenied", "the post carries no policy, credential or signature S3 can read") from None
    secret, tenant_id = _signer(access_key)
    key = b"AWS4" + secret.encode() if secret else b""
    for part in (day, region, service, "aws4_request"):
        key = hmac.new(key, part.encode(), hashlib.sha256).digest()
    wanted = hmac.new(key, policy_text.encode(), hashlib.sha256).hexdigest()
    if not secret or not hmac.compare_digest(wanted, fields.get("x-amz-signature", "")):
        raise Refused(403, "SignatureDoesNotMatch", "The request signature we calculated does not match")
    expires = datetime.fromisoformat(policy.get("expiration", "1970-01-01T00:00:00Z").replace("Z", "+00:00"))
    if clock.now() >= expires:
        raise Refused(403, "AccessDenied", "Invalid according to Policy: Policy expired.")
    return policy, tenant_id


def _signer(access_key: str) -> tuple[str | None, str | None]:
    """(secret, tenant id) of the credential: the emulated account's own, or a role session moto handed out
    (a tenant's, named `tenant-<id>` by chalicelib/isolation.py)."""
    if access_key == os.environ.get("AWS_ACCESS_KEY_ID"):
        return os.environ.get("AWS_SECRET_ACCESS_KEY"), None
    from moto.sts.models import sts_backends

    from infra.local.runtime import ACCOUNT

    role = sts_backends[ACCOUNT]["aws"].get_assumed_role_from_access_key(access_key)
    if role is None:
        return None, None
    return role.secret_access_key, role.session_name.removeprefix("tenant-") if role.session_name.startswith(
        "tenant-"
    ) else None


def _hold_to(policy: dict, fields: dict[str, str], size: int) -> None:
    """Every condition holds, and every field is one a condition names."""
    covered = set(_UNSIGNED)
    values = {**fields, "bucket": settings.MEDIA_BUCKET}
    for condition in policy.get("conditions", []):
        if isinstance(condition, dict):
            ((name, wanted),) = condition.items()
            name, how = name.lower(), "eq"
        elif condition[0] == "content-length-range":
            if not int(condition[1]) <= size <= int(condition[2]):
                code = "EntityTooLarge" if size > int(condition[2]) else "EntityTooSmall"
                raise Refused(400, code, f"Your proposed upload is {size} bytes: the policy allows this size range")
            continue
        else:
            how, name, wanted = condition[0], condition[1].lstrip("$").lower(), condition[2]
        covered.add(name)
        value = values.get(name, "")
        if not (value == wanted if how == "eq" else value.startswith(wanted)):
            raise Refused(403, "AccessDenied", f"Invalid according to Policy: Policy Condition failed: {name}")
    extra = sorted(n for n in fields if n not in covered and not n.startswith("x-ignore-"))
    if extra:
        raise Refused(403, "AccessDenied", f"Invalid according to Policy: Extra input fields: {', '.join(extra)}")
