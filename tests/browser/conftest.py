"""Debian's chromium, driven by Playwright, for the browser tests (`make browser` installs it; without it they skip)."""

import shutil

import pytest

ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


@pytest.fixture(scope="session")
def chromium():
    path = shutil.which("chromium") or shutil.which("chromium-browser")
    if path is None:
        pytest.skip("chromium is not installed (make browser)")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=path, args=ARGS, headless=True)
        yield browser
        browser.close()


@pytest.fixture
def page(chromium):
    """A fresh browser page; the Content-Security-Policy violations and script errors it meets are recorded in
    `page.problems` (Chromium, which enforces the policy, logs each violation as a console error)."""
    context = chromium.new_context()
    page = context.new_page()
    page.set_default_timeout(30_000)
    page.problems = []
    page.on(
        "console",
        lambda msg: (
            page.problems.append(msg.text) if msg.type == "error" and "Content Security Policy" in msg.text else None
        ),
    )
    page.on("pageerror", lambda error: page.problems.append(f"script error: {error}"))
    yield page
    context.close()


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item, call):
    """A browser test that fails leaves a screenshot of its page: out/browser-failures/<test>.png."""
    outcome = yield
    report = outcome.get_result()
    page = item.funcargs.get("page") if hasattr(item, "funcargs") else None
    if report.when == "call" and report.failed and page is not None:
        from tests.support.browser import screenshot_path

        try:
            page.screenshot(path=str(screenshot_path(item.name)), full_page=True)
        except Exception as e:  # the page may be gone with what failed; the report still says why
            report.sections.append(("screenshot", f"none taken: {e}"))


@pytest.fixture(autouse=True)
def a_new_visitor(live_server):
    """Each browser test is someone new, but every browser on the live server comes from 127.0.0.1, which other
    suites' calls (the fuzzing's signups) count against too: the test starts with that address's windows empty."""
    from chalicelib import throttle

    for counter in (throttle.signups, throttle.login_by_client, throttle.password_resets):
        c = counter("127.0.0.1")
        c.model(c.pk, c.sk).delete()
