"""Every kind of DynamoDB, SES and Stripe call the workflows make, made to fail once and then for good
(a permanent fault stays with the first task that meets it: that step cannot get through, the others can).

Each case is an order's whole life: bought, one unit shipped and delivered, returned for a refund. Failing
once, retries recover and the life ends as it does without a fault; failing for good, it ends as
`outcomes.FOR_GOOD` says, and `Seen.check` holds for every phase (nothing lost, doubled or stuck).
S3 is called only by a merchant's media upload, never by a workflow: its case is the upload itself.
"""

import base64

import pytest

from tests.faults import injection, outcomes, scenarios


def test_the_census_of_calls_lists_every_call_an_order_s_life_makes(injector, shop, stripe, monkeypatch):
    injector.calls.clear()
    phases = scenarios.full(shop, stripe, monkeypatch)
    made = {point for point, _ in injector.calls}
    assert made <= set(outcomes.CALLS) | set(outcomes.UNTRIED), f"calls made: {sorted(made)}"
    phases.check()
    _observed("census", "clean", "full", phases.outcome())
    assert phases.outcome() == outcomes.CLEAN.get("full"), f"OBSERVED census|clean|full|{phases.outcome()}"


@pytest.mark.parametrize("mode", injection.MODES)
@pytest.mark.parametrize("point", outcomes.CALLS)
def test_a_service_call_failing(point, mode, injector, count_faults, shop, stripe, monkeypatch):
    path = outcomes.CALLS[point]
    with injector.armed(point, mode) as fault:
        seen = (
            scenarios.full(shop, stripe, monkeypatch)
            if path == "full"
            else scenarios.buy(shop, stripe, monkeypatch, path)
        )
    assert fault.injected, f"no workflow task called {point} on the path {path!r}"
    seen.check()
    _observed(point, mode, path, seen.outcome())
    expected = outcomes.CLEAN.get(path) if mode == injection.TRANSIENT else outcomes.FOR_GOOD.get(point)
    assert seen.outcome() in outcomes.expected(expected), f"OBSERVED {point}|{mode}|{path}|{seen.outcome()}"


def _observed(*fields):
    import os

    if os.environ.get("FAULTS_OBSERVED"):
        with open(os.environ["FAULTS_OBSERVED"], "a") as f:
            f.write("|".join(fields) + "\n")


PNG = base64.b64encode(b"\x89PNG\r\n\x1a\n" + b"\0" * 16).decode()


@pytest.mark.parametrize("mode", injection.MODES)
def test_a_media_upload_while_s3_fails(mode, injector, count_faults, shop):
    """The upload answers 503 while S3 fails (the merchant tries again), and works once it is back."""
    with injector.armed("s3.PutObject", mode), injector.in_task("merchant request"):
        failed = shop.admin.post("/api/admin/media", {"filename": "a.png", "content_type": "image/png", "data": PNG})
    assert failed.status_code == 503, failed.body
    again = shop.admin.post("/api/admin/media", {"filename": "a.png", "content_type": "image/png", "data": PNG})
    assert again.status_code == 201, again.body
