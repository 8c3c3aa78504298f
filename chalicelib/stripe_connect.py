"""Merchants' Stripe connected accounts: creating one, its onboarding link, whether it can charge.

Part of the payments gateway (``payments`` has the client and the errors).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from .payments import as_dict, check_metadata, request_options, stripe_client, translate_errors

if TYPE_CHECKING:  # stripe is imported on payment paths only (cold start)
    from stripe.params import AccountCreateParams, AccountLinkCreateParams


def create_connected_account(
    *,
    email: str,
    country: str = "US",
    account_type: str = "standard",
    idempotency_key: str | None = None,
    metadata: Mapping[str, Any] | None = None,
) -> dict[str, Any]:
    """Create the merchant's connected account; returns ``{"id"}`` (plus status flags).

    ``standard`` by default: with direct charges the merchant is the merchant
    of record and handles its own disputes and Stripe fees.
    """
    if account_type not in ("standard", "express"):
        raise ValueError("account_type must be 'standard' or 'express'")
    params: AccountCreateParams = {"type": account_type, "country": country.upper(), "email": email}
    if account_type == "express":
        params["capabilities"] = {"card_payments": {"requested": True}, "transfers": {"requested": True}}
    meta = check_metadata(metadata)
    if meta:
        params["metadata"] = meta
    client = stripe_client()
    with translate_errors():
        account = as_dict(client.v1.accounts.create(params, request_options(idempotency_key)))
    return {"id": account["id"], **_account_flags(account)}


def create_account_link(*, account_id: str, refresh_url: str, return_url: str) -> dict[str, Any]:
    """A single-use onboarding URL (valid minutes); returns ``{"url", "expires_at"}``.

    Reaching ``return_url`` does not mean onboarding is complete: check
    :func:`account_status` (or wait for ``account.updated``).
    """
    client = stripe_client()
    params: AccountLinkCreateParams = {
        "account": account_id,
        "refresh_url": refresh_url,
        "return_url": return_url,
        "type": "account_onboarding",
    }
    with translate_errors():
        link = as_dict(client.v1.account_links.create(params))
    return {"url": link["url"], "expires_at": link["expires_at"]}


def _account_flags(account: Mapping[str, Any]) -> dict[str, bool]:
    return {
        "charges_enabled": bool(account.get("charges_enabled")),
        "payouts_enabled": bool(account.get("payouts_enabled")),
        "details_submitted": bool(account.get("details_submitted")),
    }


def account_status(account_id: str) -> dict[str, Any]:
    """``{"id", "charges_enabled", "payouts_enabled", "details_submitted"}``."""
    client = stripe_client()
    with translate_errors():
        account = as_dict(client.v1.accounts.retrieve(account_id))
    return {"id": account["id"], **_account_flags(account)}
