"""Shop onboarding: the tasks of infra/workflows/onboarding.asl.json.

Signup already wrote the shop's core records (so it answers 201 with a usable
shop); these steps add the rest. Each is idempotent: a retried step changes nothing twice.
"""

from . import emails, lifecycle, notifications, return_policy, storefront, tenants, workflows
from .db import ShopRecord, conditionally

DEFAULT_SETTINGS = {
    "prices_include_tax": False,
    "shipping_rates": [],
    "tax_rates": [],
    "return_policy": return_policy.DEFAULT,  # manual approval, 30 days, no restocking fee
}


def start(shop: ShopRecord) -> str:
    return workflows.start("onboarding", name=f"onboarding-{shop.tenant_id}", payload={"tenant_id": shop.tenant_id})


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
            actions=[ShopRecord.theme.set(storefront.DEFAULT_THEME)],
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
    tenants.get_shop(payload["tenant_id"]).update(actions=[ShopRecord.onboarded.set(True)])
    return {**payload, "onboarded": True}
