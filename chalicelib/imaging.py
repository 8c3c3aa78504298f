"""An uploaded image made safe to show: its bytes checked against the type it claims, its metadata left behind,
and the sizes themes show written as WebP and as a JPEG (PNG when it has transparency) for the rest.

Pillow lives in the media processing function's layer only: nothing the storefront handler imports at start
imports this module (media.process does, when it runs).
"""

import io
import warnings
from dataclasses import dataclass

from PIL import Image, ImageOps

# The type a merchant declares -> the format Pillow must find in the bytes.
FORMATS = {"image/jpeg": "JPEG", "image/png": "PNG", "image/webp": "WEBP", "image/gif": "GIF"}
# A 50-megapixel phone photo fits; a bigger image is refused from its header before any pixel is read, as is a
# decompression bomb (a few KB of PNG that would unpack to gigabytes of pixels).
MAX_PIXELS = 60_000_000
MAX_SIDE = 16_000
WEBP_QUALITY = 80
JPEG_QUALITY = 82


class Rejected(Exception):
    """The bytes are not an image this platform shows; `reason` says why, for the merchant."""

    def __init__(self, reason: str):
        super().__init__(reason)
        self.reason = reason


@dataclass(frozen=True)
class Rendition:
    name: str
    width: int
    height: int
    webp: bytes
    fallback: bytes


@dataclass(frozen=True)
class Processed:
    width: int
    height: int
    fallback_type: str  # "image/jpeg", or "image/png" for an image with transparency
    renditions: list[Rendition]


def process(data: bytes, declared_type: str, widths: dict[str, int]) -> Processed:
    """Each of `widths` ({name: width}) rendered from `data`, never wider than the original; Rejected when the
    bytes are not a `declared_type` image Pillow can read, or their dimensions are a bomb's."""
    image = _opened(data, declared_type)
    image = ImageOps.exif_transpose(image)  # a phone's portrait stays portrait once its EXIF is gone
    transparent = image.mode in ("RGBA", "LA", "PA") or "transparency" in image.info
    image = image.convert("RGBA" if transparent else "RGB")
    renditions = []
    for name, width in widths.items():
        sized = _resized(image, width)
        renditions.append(
            Rendition(
                name,
                sized.width,
                sized.height,
                _encoded(sized, "WEBP", quality=WEBP_QUALITY, method=4),
                _encoded(sized, "PNG", optimize=True)
                if transparent
                else _encoded(sized, "JPEG", quality=JPEG_QUALITY, optimize=True, progressive=True),
            )
        )
    return Processed(image.width, image.height, "image/png" if transparent else "image/jpeg", renditions)


def _opened(data: bytes, declared_type: str) -> Image.Image:
    """The image, its pixels read, after the checks its header allows (format, dimensions)."""
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            image = Image.open(io.BytesIO(data), formats=list(FORMATS.values()))
            if image.format != FORMATS[declared_type]:
                raise Rejected(f"the file is a {image.format} image, not the {declared_type} it was uploaded as")
            if image.width * image.height > MAX_PIXELS or max(image.size) > MAX_SIDE:
                raise Rejected(f"{image.width} x {image.height} pixels is more than an image may have")
            image.seek(0)  # an animation shows its first frame
            image.load()
    except (Image.DecompressionBombWarning, Image.DecompressionBombError):
        raise Rejected("the image has more pixels than an image may have") from None
    except (Image.UnidentifiedImageError, OSError, SyntaxError, ValueError, EOFError):
        raise Rejected(f"the file is not a {declared_type} image that can be read") from None
    return image


def _resized(image: Image.Image, width: int) -> Image.Image:
    if image.width <= width:
        return image
    return image.resize((width, max(1, round(image.height * width / image.width))), Image.Resampling.LANCZOS)


def _encoded(image: Image.Image, format: str, **options) -> bytes:
    """The pixels alone: no EXIF, XMP, ICC or text chunks travel from the upload (none is passed to save)."""
    out = io.BytesIO()
    image.save(out, format, **options)
    return out.getvalue()
