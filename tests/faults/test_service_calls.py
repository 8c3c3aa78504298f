"""Every kind of DynamoDB, SES and Stripe call the workflows make, made to fail once and then for good
(a permanent fault stays with the first task that meets it: that step cannot get through, the others can).

Each case is an order's whole life: bought, one unit shipped and delivered, returned for a refund. Failing
once, retries recover and the life ends as it does without a fault; failing for good, it ends as
`outcomes.FOR_GOOD` says, and `Seen.check` holds for every phase (nothing lost, doubled or stuck).
S3 is called only by media processing (an upload's sizes), never by a workflow: its case is the processing itself.
"""

import pytest

from chalicelib import media
from chalicelib.errors import Unavailable
from tests.faults import injection, outcomes, scenarios
from tests.support import media as uploads
from tests.support.api import product_body


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


@pytest.mark.parametrize("mode", injection.MODES)
def test_processing_an_upload_while_s3_fails(mode, injector, count_faults, shop):
    """Processing fails while S3 fails (the upload's event is delivered again: EventBridge and Lambda retry), its
    image shows no size meanwhile, and it completes once S3 is back."""
    photo = uploads.photo(600, 400)
    key = uploads.start(shop.admin, photo).json["key"]
    media.store(key, photo, "image/jpeg")  # the browser's post reached the bucket; its event is on its way
    with injector.armed("s3.PutObject", mode), injector.in_task("media processing"):
        with pytest.raises(Unavailable):
            media.process(key)
    product = shop.admin.post("/api/admin/products", product_body("Mug", images=[{"key": key}])).json
    assert "urls" not in product["images"][0]
    assert media.process(key) == "ready"
    assert shop.admin.get(f"/api/admin/products/{product['id']}").json["images"][0]["widths"]["large"] == 600
