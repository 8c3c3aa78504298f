"""Shop onboarding: the tasks of infra/workflows/onboarding.asl.json.

Signup already wrote the shop's core records (so it answers 201 with a usable
shop); these steps add the rest. Each is idempotent: a retried step changes nothing twice.
A start that fails at signup is made again by the sweeper (`sweep`): the shop waits in the
`ONBOARDING` list of gsi2 until `mark_onboarded`.
"""

from botocore.exceptions import BotoCoreError, ClientError

from . import emails, keys, lifecycle, notifications, return_policy, tenants, themes, workflows
from .db import ShopRecord, conditionally
from .observability import logger

DEFAULT_SETTINGS = {
    "prices_include_tax": False,
    "shipping_rates": [],
    "tax_rates": [],
    "return_policy": return_policy.DEFAULT,  # manual approval, 30 days, no restocking fee
}


def _name(tenant_id: str) -> str:
    return f"onboarding-{tenant_id}"


def start(shop: ShopRecord) -> str | None:
    """The execution's ARN; None when Step Functions did not take the start (the shop is usable without it,
    and the sweeper starts it later)."""
    try:
        return workflows.start("onboarding", name=_name(shop.tenant_id), payload={"tenant_id": shop.tenant_id})
    except (BotoCoreError, ClientError):
        logger.exception("Onboarding did not start; the sweeper starts it", tenant_id=shop.tenant_id)
        return None


def sweep() -> dict:
    """Starts the onboarding of each shop not onboarded whose execution does not exist (its start failed);
    one that runs, or ran and failed, is left alone."""
    started = []
    for shop in ShopRecord.onboarding.query(keys.ONBOARDING_SHOPS):
        if workflows.status(workflows.execution_arn("onboarding", _name(shop.tenant_id))) is None and start(shop):
            started.append(shop.tenant_id)
    return {"started": started}


@workflows.task("onboarding.create_shop_records")
def create_shop_records(payload: dict) -> dict:
    shop = tenants.get_shop(payload["tenant_id"])
    settings_now = shop.settings.as_dict() if hasattr(shop.settings, "as_dict") else dict(shop.settings)
    for name, value in DEFAULT_SETTINGS.items():
        if name in settings_now:
            continue
        # The shop is open since signup: a setting the merchant saved since our read is theirs to keep.
        conditionally(
            shop.update,
            actions=[ShopRecord.settings[name].set(value)],
            condition=ShopRecord.settings[name].does_not_exist(),
        )
    return payload


@workflows.task("onboarding.apply_default_theme")
def apply_default_theme(payload: dict) -> dict:
    shop = tenants.get_shop(payload["tenant_id"])
    if not shop.theme:
        conditionally(  # the merchant set a theme meanwhile: theirs wins
            shop.update,
            actions=[ShopRecord.theme.set(themes.initial())],
            condition=ShopRecord.theme.does_not_exist() | (ShopRecord.theme == {}),
        )
    return payload


@workflows.task("onboarding.send_welcome_email")
def send_welcome_email(payload: dict) -> dict:
    shop = tenants.get_shop(payload["tenant_id"])
    # Claimed first, so a retried step never mails twice; a claim that fails for any other reason than
    # "already sent" fails the step, and the workflow's retry sends it.
    lifecycle.once_marked(
        shop,
        ShopRecord.settings["welcome_sent_at"],
        lambda: notifications.send_email(to=shop.owner_email, email=emails.render("welcome", shop)),
    )
    return payload


@workflows.task("onboarding.mark_onboarded")
def mark_onboarded(payload: dict) -> dict:
    tenants.get_shop(payload["tenant_id"]).update(
        actions=[ShopRecord.onboarded.set(True), ShopRecord.gsi2pk.remove(), ShopRecord.gsi2sk.remove()]
    )
    return {**payload, "onboarded": True}
