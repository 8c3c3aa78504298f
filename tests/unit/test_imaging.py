"""Processing an upload (chalicelib/imaging.py): the sizes themes show, nothing of the original's metadata, and
bytes that are not the image they claim to be, or would unpack to a bomb, refused."""

import io
import struct
import zlib

import pytest
from PIL import Image

from chalicelib import imaging, media
from tests.support.media import photo


def _opened(data: bytes) -> Image.Image:
    image = Image.open(io.BytesIO(data))
    image.load()
    return image


def _exif(**tags) -> Image.Exif:
    exif = Image.Exif()
    for tag, value in tags.items():
        exif[getattr(Image.ExifTags.Base, tag)] = value
    return exif


def test_a_photo_gets_each_size_as_webp_and_jpeg_never_wider_than_itself():
    done = imaging.process(photo(1200, 900), "image/jpeg", media.SIZES)
    assert (done.width, done.height, done.fallback_type) == (1200, 900, "image/jpeg")
    assert [(r.name, r.width, r.height) for r in done.renditions] == [
        ("small", 400, 300),
        ("medium", 800, 600),
        ("large", 1200, 900),
    ]
    for rendition in done.renditions:
        assert _opened(rendition.webp).format == "WEBP" and _opened(rendition.webp).size == (
            rendition.width,
            rendition.height,
        )
        assert _opened(rendition.fallback).format == "JPEG"


def test_the_camera_and_place_a_photo_was_taken_leave_with_its_metadata():
    exif = _exif(Make="Phonemaker", Model="X1", Artist="Merchant's name")
    exif[Image.ExifTags.Base.GPSInfo] = {1: "N", 2: (51.0, 30.0, 0.0)}
    original = photo(900, 600, exif=exif)
    assert _opened(original).getexif()  # the upload does carry it
    for rendition in imaging.process(original, "image/jpeg", media.SIZES).renditions:
        for data in (rendition.webp, rendition.fallback):
            image = _opened(data)
            assert not image.getexif() and "exif" not in image.info and "icc_profile" not in image.info
            assert b"Phonemaker" not in data and b"Merchant" not in data


def test_a_portrait_photo_stays_portrait_once_its_orientation_tag_is_gone():
    landscape_pixels = photo(1000, 500, exif=_exif(Orientation=6))  # stored sideways, shown rotated 90 degrees
    done = imaging.process(landscape_pixels, "image/jpeg", media.SIZES)
    assert (done.width, done.height) == (500, 1000)
    assert (done.renditions[0].width, done.renditions[0].height) == (400, 800)


def test_a_transparent_png_keeps_its_transparency_in_a_png_fallback():
    out = io.BytesIO()
    Image.new("RGBA", (600, 600), (200, 90, 40, 128)).save(out, "PNG")
    done = imaging.process(out.getvalue(), "image/png", media.SIZES)
    assert done.fallback_type == "image/png"
    assert _opened(done.renditions[0].fallback).mode == "RGBA" and _opened(done.renditions[0].webp).mode == "RGBA"


def test_an_animated_gif_shows_its_first_frame():
    frames = [Image.new("RGB", (300, 200), colour) for colour in ((255, 0, 0), (0, 0, 255))]
    out = io.BytesIO()
    frames[0].save(out, "GIF", save_all=True, append_images=frames[1:])
    done = imaging.process(out.getvalue(), "image/gif", media.SIZES)
    assert _opened(done.renditions[0].fallback).convert("RGB").getpixel((10, 10))[0] > 200


def test_a_png_renamed_to_jpeg_is_refused():
    with pytest.raises(imaging.Rejected, match="PNG image, not the image/jpeg"):
        imaging.process(photo(100, 100, format="PNG"), "image/jpeg", media.SIZES)


@pytest.mark.parametrize(
    "data",
    [b"<svg xmlns='http://www.w3.org/2000/svg' onload='alert(1)'/>", b"\xff\xd8\xff" + b"\0" * 64, b""],
    ids=["svg", "jpeg-magic-then-nothing", "empty"],
)
def test_bytes_that_are_no_readable_image_are_refused(data):
    with pytest.raises(imaging.Rejected, match="not a image/jpeg image that can be read"):
        imaging.process(data, "image/jpeg", media.SIZES)


def _png_header_only(width: int, height: int) -> bytes:
    """A PNG that claims these dimensions and carries one tiny compressed row: a bomb's shape."""

    def chunk(kind: bytes, body: bytes) -> bytes:
        return struct.pack(">I", len(body)) + kind + body + struct.pack(">I", zlib.crc32(kind + body) & 0xFFFFFFFF)

    header = struct.pack(">IIBBBBB", width, height, 8, 0, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + chunk(b"IDAT", zlib.compress(b"\0" * 1024))
        + chunk(b"IEND", b"")
    )


@pytest.mark.parametrize("size", [(30_000, 30_000), (9_000, 9_000), (20_000, 10)], ids=["bomb", "too-many", "too-wide"])
def test_an_image_of_huge_dimensions_is_refused_before_its_pixels_are_read(size):
    with pytest.raises(imaging.Rejected, match="more"):
        imaging.process(_png_header_only(*size), "image/png", media.SIZES)
