"""Images as a merchant's browser uploads them: made with Pillow, started through the API, posted as the browser
posts them to the presigned URL (the local server's stand-in for S3, infra/local/media_uploads.py)."""

import io
import os
import uuid

from PIL import Image


def photo(width: int = 1200, height: int = 900, *, format: str = "JPEG", noisy: bool = False, exif=None) -> bytes:
    """An image of this size; `noisy` makes it as big as a camera's photo (noise does not compress)."""
    if noisy:
        image = Image.frombytes("RGB", (width, height), os.urandom(width * height * 3))
    else:
        image = Image.new("RGBA" if format == "PNG" else "RGB", (width, height), (200, 90, 40))
    out = io.BytesIO()
    options = {"quality": 92} if format == "JPEG" else {}
    image.save(out, format, **({"exif": exif} if exif is not None else {}), **options)
    return out.getvalue()


def multipart(fields: dict, file: bytes, filename: str = "photo.jpg") -> tuple[str, bytes]:
    """(content type, body) of the form a browser posts: the fields, then the file."""
    boundary = uuid.uuid4().hex
    parts = [
        f'--{boundary}\r\nContent-Disposition: form-data; name="{name}"\r\n\r\n{value}\r\n'.encode()
        for name, value in fields.items()
    ]
    parts.append(
        f'--{boundary}\r\nContent-Disposition: form-data; name="file"; filename="{filename}"\r\n'
        "Content-Type: application/octet-stream\r\n\r\n".encode()
        + file
        + b"\r\n"
    )
    return f"multipart/form-data; boundary={boundary}", b"".join(parts) + f"--{boundary}--\r\n".encode()


def start(shop_api, data: bytes, content_type: str = "image/jpeg", filename: str = "photo.jpg"):
    """The API's answer to starting this upload."""
    return shop_api.post(
        "/api/admin/media/uploads", {"filename": filename, "content_type": content_type, "size": len(data)}
    )


def post(started: dict, data: bytes, fields: dict | None = None) -> str:
    """Posts the file with the upload's fields (`fields` changes some, as a tampering client would); its key.
    Raises media_uploads.Refused as S3 would refuse it."""
    from infra.local import media_uploads

    return media_uploads.accept(*multipart({**started["upload"]["fields"], **(fields or {})}, data))


def upload(shop_api, data: bytes, content_type: str = "image/jpeg", filename: str = "photo.jpg") -> str:
    """Uploaded and processed: the image's key."""
    started = start(shop_api, data, content_type, filename)
    assert started.status_code == 201, started.body
    return post(started.json, data)
