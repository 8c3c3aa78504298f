"""Signup starts the onboarding workflow (infra/workflows/onboarding.asl.json), run by the emulated Step Functions."""

import pytest

from chalicelib import onboarding, tenants, themes, workflows
from infra.local import runtime
from tests.support.after_sale import emails_to
from tests.support.api import sign_up
from tests.support.wait import wait_for

STEPS = ["CreateShopRecords", "ApplyDefaultTheme", "SendWelcomeEmail", "MarkOnboarded"]


def _execution_arn(tenant_id: str) -> str:
    # The execution is named after the shop (workflows.start gives every execution a name).
    return workflows.execution_arn("onboarding", f"onboarding-{tenant_id}")


def _wait_until_finished(arn: str) -> dict:
    return wait_for(
        lambda: (lambda execution: execution if execution["status"] != "RUNNING" else None)(workflows.describe(arn))
    )


@pytest.fixture
def onboarded(merchant):
    shop_api, signup = merchant
    arn = _execution_arn(signup["shop"]["id"])
    execution = _wait_until_finished(arn)
    return shop_api, signup, arn, execution


def test_onboarding_runs_its_four_steps_in_order_and_succeeds(onboarded):
    _, _, arn, execution = onboarded
    assert execution["status"] == "SUCCEEDED", execution
    assert workflows.state_names(arn) == STEPS


def test_the_merchant_gets_one_welcome_email_naming_the_shop(onboarded):
    _, signup, _, _ = onboarded
    shop = signup["shop"]
    mails = emails_to(f"{shop['subdomain']}@example.com")
    assert len(mails) == 1
    assert shop["name"] in mails[0]["subject"]
    assert shop["subdomain"] in mails[0]["body"]


def test_an_onboarded_shop_has_default_settings_theme_and_is_marked_done(onboarded):
    shop_api, signup, _, _ = onboarded
    record = tenants.get_shop(signup["shop"]["id"])
    assert record.onboarded is True
    shop_settings = record.settings.as_dict()
    assert shop_settings["return_policy"]["window_days"] == 30
    assert shop_settings["return_policy"]["approval"] == "manual"
    assert shop_settings["return_policy"]["restocking_fee_percent"] == 0
    assert shop_settings["shipping_rates"] == [] and shop_settings["tax_rates"] == []
    theme = shop_api.get("/api/admin/shop").json["theme"]
    assert theme["name"] == "default" and theme["settings"] == themes.get("default").defaults()


def test_starting_onboarding_again_runs_nothing_twice(onboarded):
    _, signup, arn, _ = onboarded
    shop = tenants.get_shop(signup["shop"]["id"])
    assert onboarding.start(shop) == arn
    assert _wait_until_finished(arn)["status"] == "SUCCEEDED"
    assert workflows.state_names(arn) == STEPS
    # A retried email step (Step Functions retries tasks) does not mail again either.
    onboarding.send_welcome_email({"tenant_id": shop.tenant_id})
    assert len(emails_to(shop.owner_email)) == 1


def test_a_retried_theme_step_keeps_the_theme_the_merchant_chose(onboarded):
    shop_api, signup, _, _ = onboarded
    r = shop_api.patch("/api/admin/shop", {"theme": {"primary_color": "#123456"}})
    assert r.status_code == 200, r.body
    onboarding.apply_default_theme({"tenant_id": signup["shop"]["id"]})
    assert shop_api.get("/api/admin/shop").json["theme"]["settings"]["primary_color"] == "#123456"


def test_a_setting_the_merchant_saves_while_onboarding_runs_is_kept(onboarded, monkeypatch):
    """Signup answers before onboarding's first step: the step may read the shop, the merchant save
    a setting, and only then the step write its defaults. The merchant's setting must survive."""
    from chalicelib.db import ShopRecord

    _, signup, _, _ = onboarded
    tid = signup["shop"]["id"]
    shop = tenants.get_shop(tid)
    shop.update(actions=[ShopRecord.settings["shipping_rates"].remove()])  # as before onboarding
    stale = tenants.get_shop(tid)  # what the step read
    rates = [{"name": "Standard", "amount": 599, "countries": [], "free_over": None}]
    shop.update(actions=[ShopRecord.settings["shipping_rates"].set(rates)])  # the merchant, meanwhile
    monkeypatch.setattr(tenants, "get_shop", lambda _tid: stale)
    onboarding.create_shop_records({"tenant_id": tid})
    monkeypatch.undo()
    assert tenants.get_shop(tid).settings.as_dict()["shipping_rates"] == rates


def test_signup_answers_201_when_onboarding_cannot_start_and_the_sweeper_starts_it(api, monkeypatch):
    """Step Functions refusing the start (throttled, down) leaves a usable shop; the sweeper onboards it."""
    from botocore.exceptions import ClientError

    import app as app_module

    def refused(*_, **__):
        raise ClientError({"Error": {"Code": "ThrottlingException", "Message": "Rate exceeded"}}, "StartExecution")

    monkeypatch.setattr(workflows, "start", refused)
    shop_api, signup = sign_up(api)
    tid = signup["shop"]["id"]
    arn = _execution_arn(tid)
    assert workflows.status(arn) is None and tenants.get_shop(tid).onboarded is False
    assert shop_api.get("/api/admin/shop").status_code == 200  # the shop is there and usable
    assert (
        tid not in app_module.sweep_onboarding(runtime.scheduled_event("2026-12-01T00:00:00Z"), None)["started"]
    )  # still refused: tried again next time
    monkeypatch.undo()

    assert tid in app_module.sweep_onboarding(runtime.scheduled_event("2026-12-01T00:00:00Z"), None)["started"]
    assert _wait_until_finished(arn)["status"] == "SUCCEEDED"
    assert workflows.state_names(arn) == STEPS and tenants.get_shop(tid).onboarded is True
    assert (
        tid not in app_module.sweep_onboarding(runtime.scheduled_event("2026-12-01T00:00:00Z"), None)["started"]
    )  # onboarded: nothing to start again
