"""`/docs` in a real browser (Debian's chromium, driven by Playwright) on the local server: Swagger UI
renders the published document from the app's own files."""

from pathlib import Path
from urllib.parse import urlsplit

import pytest

pytestmark = pytest.mark.browser

SHOTS = Path("/tmp")


def test_the_reference_renders_every_audience_from_the_apps_own_files(chromium, live_server):
    context = chromium.new_context(viewport={"width": 1280, "height": 900})
    page = context.new_page()
    requested, errors = [], []
    page.on("request", lambda request: requested.append(request.url))
    page.on("pageerror", lambda error: errors.append(str(error)))
    try:
        assert page.goto(f"{live_server}/docs", wait_until="load").status == 200
        page.locator(".swagger-ui .info .title").wait_for()
        assert "Shop builder API" in page.locator(".swagger-ui .info .title").inner_text()
        for tag in ("platform", "admin", "storefront", "operator", "webhooks"):
            assert page.locator(f"#operations-tag-{tag}").is_visible(), tag
        assert page.locator("#operations-admin-create_product").is_visible()
        page.locator(".swagger-ui .btn.authorize").wait_for()  # the bearer scheme is offered
        assert errors == []
        assert {urlsplit(u).netloc for u in requested if not u.startswith("data:")} == {urlsplit(live_server).netloc}
        page.screenshot(path=str(SHOTS / "api-reference-1280.png"), full_page=False)
    finally:
        context.close()
