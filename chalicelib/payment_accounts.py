"""A shop's Stripe connected account (Connect onboarding) and whether it can take payments.

The merchant creates the account, follows the onboarding link Stripe gives,
and Stripe tells us the outcome with `account.updated` (we also ask Stripe
when the merchant looks). Shoppers can check out once `charges_enabled`.
These calls are the merchant's own, synchronous by nature (Stripe's onboarding
is a redirect); checkout never calls Stripe inside a request.
"""

import time

from pynamodb.exceptions import DoesNotExist, TransactWriteError
from pynamodb.expressions.update import Action
from pynamodb.transactions import TransactWrite

from . import clock, keys, payments, stripe_connect, tenants
from .db import Claim, PaymentAccount, conditionally, connection
from .errors import Conflict, Invalid, Unavailable


def _stripe(call, *args, **kwargs):
    try:
        return call(*args, **kwargs)
    except payments.PaymentsUnavailable:
        raise Unavailable("Stripe could not be reached; try again in a moment") from None
    except payments.PaymentFailed as e:
        raise Invalid(f"Stripe refused the request: {e.message}", {"stripe": e.code or "refused"}) from None


def get(tenant_id: str) -> PaymentAccount | None:
    try:
        return PaymentAccount.get(tenant_id, keys.PAYMENTS_SK, consistent_read=True)
    except DoesNotExist:
        return None


def to_dict(account: PaymentAccount | None) -> dict:
    if account is None:
        return {
            "connected": False,
            "account_id": None,
            "charges_enabled": False,
            "payouts_enabled": False,
            "details_submitted": False,
        }
    return {
        "connected": True,
        "account_id": account.account_id,
        "charges_enabled": account.charges_enabled,
        "payouts_enabled": account.payouts_enabled,
        "details_submitted": account.details_submitted,
    }


def connect(tenant_id: str, country: str = "US") -> tuple[dict, bool]:
    """The shop's connected account, created at Stripe the first time; (account, created)."""
    existing = get(tenant_id)
    if existing is not None:
        return to_dict(existing), False
    shop = tenants.get_shop(tenant_id)
    # The key makes a repeat (a retry, a double click) return the same Stripe account for 24 h.
    created = _stripe(
        stripe_connect.create_connected_account,
        email=shop.owner_email,
        country=country,
        idempotency_key=f"connect-{tenant_id}",
        metadata={"tenant_id": tenant_id},
    )
    now = clock.now_iso()
    account = PaymentAccount(
        tenant_id,
        keys.PAYMENTS_SK,
        account_id=created["id"],
        charges_enabled=created["charges_enabled"],
        payouts_enabled=created["payouts_enabled"],
        details_submitted=created["details_submitted"],
        created_at=now,
        updated_at=now,
    )
    try:
        with TransactWrite(connection=connection()) as tx:
            tx.save(account, condition=PaymentAccount.pk.does_not_exist())
            # Webhooks name the account, not the shop: this claim leads them back to it.
            tx.save(
                Claim(keys.stripe_account_claim(created["id"]), keys.CLAIM_SK, tenant_id=tenant_id, created_at=now),
                condition=Claim.pk.does_not_exist(),
            )
    except TransactWriteError:
        existing = get(tenant_id)
        if existing is None:
            raise
        return to_dict(existing), False
    return to_dict(account), True


def onboarding_link(tenant_id: str, *, return_url: str, refresh_url: str) -> dict:
    account = get(tenant_id)
    if account is None:
        raise Conflict(
            "Connect a Stripe account first (POST /api/admin/payments/account)", {"account": "not connected"}
        )
    return _stripe(
        stripe_connect.create_account_link,
        account_id=account.account_id,
        refresh_url=refresh_url,
        return_url=return_url,
    )


def refresh(tenant_id: str) -> dict:
    """Asks Stripe how onboarding stands and keeps the answer."""
    account = get(tenant_id)
    if account is None:
        return to_dict(None)
    status = _stripe(stripe_connect.account_status, account.account_id)
    _store(account, status, at=int(time.time()))
    return to_dict(get(tenant_id))


def _store(account: PaymentAccount, flags: dict, *, at: int | None) -> None:
    actions: list[Action] = [
        PaymentAccount.charges_enabled.set(bool(flags.get("charges_enabled"))),
        PaymentAccount.payouts_enabled.set(bool(flags.get("payouts_enabled"))),
        PaymentAccount.details_submitted.set(bool(flags.get("details_submitted"))),
        PaymentAccount.updated_at.set(clock.now_iso()),
    ]
    condition = None
    if at is not None:  # only news newer than what we hold counts (events arrive out of order)
        actions.append(PaymentAccount.status_at.set(at))
        condition = PaymentAccount.status_at.does_not_exist() | (PaymentAccount.status_at <= at)
    conditionally(account.update, actions=actions, condition=condition)


def on_account_updated(account_id: str, account: dict, event_created: int) -> bool:
    """`account.updated` from Stripe; False when the account is none of ours."""
    try:
        claim = Claim.get(keys.stripe_account_claim(account_id), keys.CLAIM_SK)
    except DoesNotExist:
        return False
    stored = get(claim.tenant_id)
    if stored is None or stored.account_id != account_id:
        return False
    _store(stored, account, at=event_created)
    return True


def ready(tenant_id: str) -> PaymentAccount | None:
    """The account to charge on, if it can take payments."""
    account = get(tenant_id)
    return account if account is not None and account.charges_enabled else None
