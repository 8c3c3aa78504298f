"""What the browser tests check on every admin page: accessibility (axe-core, from the axe-playwright-python
package), weight (HTML + CSS + JS before images), and a screenshot to look at, at phone and desktop widths."""

from pathlib import Path

from tests.support import ROOT

PHONE, DESKTOP = {"width": 375, "height": 800}, {"width": 1280, "height": 900}
MAX_PAGE_BYTES = 200_000  # the budget: HTML + CSS + JS before images
SCREENSHOTS = ROOT / "out" / "screenshots"
_BLOCKING = ("serious", "critical")


_asset_sizes: dict[str, int] = {}


def weight(page) -> int:
    """Bytes of the page as loaded: its HTML and every stylesheet and script it names (images not counted)."""
    html = len(page.evaluate("document.documentElement.outerHTML").encode())
    urls = page.eval_on_selector_all(
        "link[rel=stylesheet][href], script[src]", "nodes => nodes.map(n => n.href || n.src)"
    )
    for url in urls:
        if url not in _asset_sizes:
            _asset_sizes[url] = len(page.request.get(url).body())
    return html + sum(_asset_sizes[url] for url in set(urls))


def violations(page) -> list[str]:
    """axe-core's serious and critical violations on the page as it is now: `rule (impact): target, ...`."""
    from axe_playwright_python.sync_playwright import Axe

    found = Axe().run(page).response["violations"]
    return [
        f"{v['id']} ({v['impact']}): " + ", ".join(str(n["target"]) for n in v["nodes"][:5])
        for v in found
        if v["impact"] in _BLOCKING
    ]


def look_at(page, name: str) -> list[str]:
    """The page at phone and desktop widths: a screenshot of each (out/screenshots/<name>-<width>.png) and the
    axe violations found at either width."""
    problems = []
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    for size in (PHONE, DESKTOP):
        page.set_viewport_size(size)
        page.screenshot(path=str(SCREENSHOTS / f"{name}-{size['width']}.png"), full_page=True)
        problems += [f"{size['width']} px: {v}" for v in violations(page)]
    return problems


def checked(page, name: str) -> None:
    """The page passes axe at both widths (look_at), weighs at most MAX_PAGE_BYTES, and met no CSP or script error."""
    assert look_at(page, name) == [], f"accessibility of {name}"
    assert weight(page) <= MAX_PAGE_BYTES, f"{name} weighs {weight(page)} bytes"
    assert page.problems == [], page.problems


def screenshot_path(test_name: str) -> Path:
    path = ROOT / "out" / "browser-failures" / f"{test_name}.png"
    path.parent.mkdir(parents=True, exist_ok=True)
    return path


def new_merchant(page, live_server: str, next_path: str) -> dict:
    """A shop signed up through the API (its answer, with `subdomain`), then signed in to the admin in `page` at
    phone width, landing on `next_path`."""
    import requests

    from tests.support.api import PASSWORD, unique

    sub = unique()
    signup = requests.post(
        f"{live_server}/api/merchants/signup",
        json={"email": f"{sub}@example.com", "password": PASSWORD, "shop_name": "Plum Press", "subdomain": sub},
        timeout=30,
    )
    assert signup.status_code == 201, signup.text
    page.set_viewport_size(PHONE)
    page.goto(f"{live_server}/admin/login?next={next_path}")
    page.fill("#f-email", f"{sub}@example.com")
    page.fill("#f-password", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url(f"{live_server}{next_path}")
    return {**signup.json(), "subdomain": sub}
