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
