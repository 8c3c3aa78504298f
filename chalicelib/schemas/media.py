"""Product images: starting an upload, and an image as answers carry it (its sizes once processed)."""

from .common import answer, closed, integer, string

_sizes = answer({"small": string, "medium": string, "large": string})
_ONCE_PROCESSED = ("reason", "width", "height", "urls", "webp_urls", "widths")
IMAGE = answer(
    {
        "key": string,
        "alt": string,
        "status": {
            "enum": ["processing", "ready", "rejected"],
            "description": "processing until the upload's processing has run; rejected: not an image shown",
        },
        "reason": {"type": "string", "description": "Why it was rejected, for the merchant"},
        "width": {"type": "integer", "description": "Once processed: the image's size, upright"},
        "height": integer,
        "urls": {**_sizes, "description": "Once processed: each size as JPEG (PNG for transparency), absolute"},
        "webp_urls": {**_sizes, "description": "Once processed: each size as WebP"},
        "widths": answer({"small": integer, "medium": integer, "large": integer}),
    },
    optional=_ONCE_PROCESSED,
)

MEDIA_UPLOAD = closed(
    {
        "filename": {"type": "string", "pattern": r"^[A-Za-z0-9][A-Za-z0-9._-]{0,99}$"},
        "content_type": {"enum": ["image/jpeg", "image/png", "image/webp", "image/gif"]},
        "size": {"type": "integer", "minimum": 1, "maximum": 20 * 1024 * 1024, "description": "Bytes, at most 20 MiB"},
    },
    ("filename", "content_type", "size"),
)
MEDIA_UPLOAD_STARTED = answer(
    {
        "key": {"type": "string", "description": "The image's key, for a product's `images` once uploaded"},
        "upload": answer(
            {
                "url": {"type": "string", "description": "Post the file here as multipart/form-data"},
                "fields": {
                    "type": "object",
                    "additionalProperties": string,
                    "description": "Every one of these form fields first, then `file`",
                },
            }
        ),
    }
)
MEDIA = answer(
    {k: v for k, v in IMAGE["properties"].items() if k != "alt"},
    optional=_ONCE_PROCESSED,
)
