"""`GET /docs`: this API's reference, browsable. Swagger UI reads /openapi.json in the browser; its
files come from the openapi-ui-bundles package (no CDN, no copy kept here), and the app serves only
the two the page loads, next to the page's own small script (no inline script, as on every page)."""

from pathlib import Path

from openapi_ui_bundles import swagger_ui

from ..errors import NotFound

_HERE = Path(__file__).parent
JS = "text/javascript; charset=utf-8"
CSS = "text/css; charset=utf-8"
BUNDLED = ("swagger-ui-bundle.js", "swagger-ui.css")  # infra/package.py leaves the bundle's other files out
ASSETS = {
    "swagger-ui-bundle.js": (swagger_ui.static_path / "swagger-ui-bundle.js", JS),
    "swagger-ui.css": (swagger_ui.static_path / "swagger-ui.css", CSS),
    "reference.js": (_HERE / "reference.js", JS),
}


# The page gets the policy of every page (security_headers): Swagger UI runs from these files and sets its
# styles through the DOM, which the policy allows; the document's Markdown has no aligned table, the one
# thing it would draw with an inline style attribute.
ASSET_HEADERS = {"Cache-Control": "public, max-age=86400"}


def page() -> str:
    return (_HERE / "index.html").read_text()


def asset(name: str) -> tuple[str, str]:
    """The file's text and its content type."""
    if name not in ASSETS:
        raise NotFound("No such file")
    path, content_type = ASSETS[name]
    return path.read_text(), content_type
