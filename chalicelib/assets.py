"""The files pages load, `GET /assets/{folder}/{name}`: each theme's stylesheet and scripts
(templates/themes/<theme>/assets/), the platform page's stylesheet (templates/platform/assets/) and the web
admin's (templates/admin/assets/).

Pages run no inline script and carry no inline style (security_headers), so what they need is here. A
page names a file with `?v=VERSION`, a hash of every file, so browsers and a CDN keep them for a year and a
deploy that changes one is fetched anew. A theme's per-shop settings are the storefront's
`/theme-settings.css` (storefront.theme_settings_css).
"""

import hashlib

from . import settings
from .errors import NotFound

_TYPES = {".css": "text/css; charset=utf-8", ".js": "text/javascript; charset=utf-8"}
_FOLDERS = {
    "platform": settings.TEMPLATES / "platform" / "assets",
    "admin": settings.TEMPLATES / "admin" / "assets",
    **{theme.name: theme / "assets" for theme in sorted((settings.TEMPLATES / "themes").iterdir())},
}
FILES = {
    (folder, path.name): (path, _TYPES[path.suffix])
    for folder, directory in _FOLDERS.items()
    if directory.is_dir()
    for path in sorted(directory.iterdir())
    if path.suffix in _TYPES
}
VERSION = hashlib.sha256(b"".join(path.read_bytes() for path, _ in FILES.values())).hexdigest()[:12]
HEADERS = {"Cache-Control": "public, max-age=31536000, immutable"}


def read(folder: str, name: str) -> tuple[str, str]:
    """The file's text and its content type."""
    if (folder, name) not in FILES:
        raise NotFound("No such file")
    path, content_type = FILES[(folder, name)]
    return path.read_text(), content_type
