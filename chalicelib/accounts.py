"""Accounts (merchants and the operator): signing in, sessions that can end, changing a password, and
resetting a forgotten one through an emailed link.

Tokens stay signed JWTs (auth.py); what ends them is kept on the account, the email claim:
- `token_generation`: each token carries the generation it was issued in; changing or resetting the password
  moves it on, so every older token of the account stops working at once;
- `revoked_tokens`: {token id: its expiry} of the tokens logged out, each kept only until it would have
  expired anyway.
A signed-in call reads its account once (one GetItem); storefront calls carry no token and read nothing.
Logins count against the rate limits (throttle.py) before any scrypt runs.
"""

import hashlib
import secrets

from pynamodb.attributes import NumberAttribute, UnicodeAttribute
from pynamodb.exceptions import DoesNotExist, TransactWriteError
from pynamodb.transactions import TransactWrite

from . import auth, clock, emails, hosts, keys, languages, notifications, passwords, tenants, throttle
from .db import Claim, PlatformItem, condition_failed, conditionally, connection, plain
from .errors import Conflict, Invalid, TooManyRequests, Unauthorized

RESET_SECONDS = 3600


class PasswordReset(PlatformItem, discriminator="password_reset"):
    """An emailed reset link, keyed by its token's hash: good once, for an hour, while the account's token
    generation is still the one it was sent in."""

    email = UnicodeAttribute()
    token_generation = NumberAttribute()
    expires_at = NumberAttribute()  # TTL (epoch seconds); reads treat a passed one as gone
    used_at = UnicodeAttribute(null=True)


def login(*, email: str, password: str, client: str) -> str:
    """A token for the right password; Unauthorized, the same for an unknown email and a wrong password."""
    email = tenants.normalize_email(email)
    attempt = throttle.charge(throttle.login_by_email(email), throttle.login_by_client(client))
    account = _account(email)
    # The password is checked first: an unknown email costs the same work as a wrong password.
    if not auth.verify_password(password, account.password_hash if account else None) or account is None:
        raise Unauthorized("Wrong email or password")
    throttle.forgive(attempt)
    return _token(account, email)


def check_session(claims: dict) -> dict:
    """The claims of a verified token, if its session has not ended (logged out, password changed since)."""
    account = _account(claims["email"])
    if (
        account is None
        or account.user_id != claims["sub"]
        or account.token_generation != claims.get("gen", 0)
        or claims["jti"] in (account.revoked_tokens or {})
    ):
        raise Unauthorized("This session has ended; sign in again")
    return claims


def logout(claims: dict) -> None:
    """This token stops working; the account's other sessions go on."""
    account = _account(claims["email"])
    if account is None:
        return
    now = _now()
    stale = [jti for jti, expires in plain(account.revoked_tokens or {}).items() if expires <= now]
    while not conditionally(
        account.update,
        actions=[Claim.revoked_tokens[claims["jti"]].set(claims["exp"])]
        + [Claim.revoked_tokens[jti].remove() for jti in stale if jti != claims["jti"]],
        condition=Claim.revoked_tokens.exists(),
    ):
        # An account saved before sessions could end has no map to add to yet.
        if conditionally(
            account.update,
            actions=[Claim.revoked_tokens.set({claims["jti"]: claims["exp"]})],
            condition=Claim.revoked_tokens.does_not_exist(),
        ):
            return


def change_password(claims: dict, *, current_password: str, password: str, client: str) -> str:
    """A fresh token; every older token of the account stops working. The current password is checked like a
    login (and counts against the same limits: a stolen token must not become a way to guess it)."""
    passwords.check(password)
    email = claims["email"]
    attempt = throttle.charge(throttle.login_by_email(email), throttle.login_by_client(client))
    account = _account(email)
    if account is None or not auth.verify_password(current_password, account.password_hash):
        raise Invalid("current_password: that is not your password", {"current_password": "wrong password"})
    throttle.forgive(attempt)
    generation = int(account.token_generation)
    conditionally(
        account.update,
        actions=_new_password(password, generation),
        condition=Claim.token_generation == generation,
        otherwise=Conflict("The password was changed meanwhile; sign in again"),
    )
    return _token(account, email)


def request_reset(email: str) -> None:
    """Mails a merchant account a link that sets a new password, good once for an hour; says nothing about
    whether the email has an account, nor whether a mail went out: past five in a window, none does. The
    operator's password is OPERATOR_PASSWORD, set where it is deployed."""
    email = tenants.normalize_email(email)
    try:
        throttle.charge(throttle.reset_mails(email))  # any email alike: counting only known ones would tell them
    except TooManyRequests:
        return
    account = _account(email)
    if account is None or account.role != "merchant" or not account.tenant_id:
        return
    token = secrets.token_urlsafe(32)
    PasswordReset(
        keys.password_reset(_digest(token)),
        keys.RESET_SK,
        email=email,
        token_generation=account.token_generation,
        expires_at=_now() + RESET_SECONDS,
    ).save()
    shop = tenants.get_shop(account.tenant_id)
    link = hosts.primary_url(shop, f"/password-reset?token={token}")
    notifications.send_email(
        to=email, email=emails.render("password_reset", shop, link=link, minutes=RESET_SECONDS // 60)
    )


def reset_language(token: str) -> str | None:
    """The language of the shop a reset link was mailed for (its page speaks it, as its email did); None for a
    token we never sent."""
    try:
        reset = PasswordReset.get(keys.password_reset(_digest(token)), keys.RESET_SK)
    except DoesNotExist:
        return None
    account = _account(reset.email)
    return languages.primary(tenants.get_shop(account.tenant_id)) if account and account.tenant_id else None


def confirm_reset(*, token: str, password: str) -> str:
    """Sets the password a reset link was sent for, once: a fresh token, and every older one stops working."""
    unusable = Invalid("token: this reset link is used, expired or unknown", {"token": "used, expired or unknown"})
    try:
        reset = PasswordReset.get(keys.password_reset(_digest(token)), keys.RESET_SK, consistent_read=True)
    except DoesNotExist:
        raise unusable from None
    if reset.used_at or reset.expires_at <= _now():
        raise unusable
    passwords.check(password)
    account = _account(reset.email)
    # A password changed since the link was sent (or another link used) makes it void.
    if account is None or account.token_generation != reset.token_generation:
        raise unusable
    try:
        with TransactWrite(connection=connection()) as tx:
            tx.update(
                reset,
                actions=[PasswordReset.used_at.set(clock.now_iso())],
                condition=PasswordReset.used_at.does_not_exist(),
            )
            tx.update(
                account,
                actions=_new_password(password, int(reset.token_generation)),
                condition=Claim.token_generation == reset.token_generation,
            )
    except TransactWriteError as e:
        if condition_failed(e):
            raise unusable from None
        raise
    account.token_generation = reset.token_generation + 1
    return _token(account, reset.email)


def ensure_operator(email: str, password: str) -> None:
    """The operator's login, from OPERATOR_EMAIL / OPERATOR_PASSWORD; resets the password if changed."""
    email = tenants.check_email(email, "OPERATOR_EMAIL")
    try:
        claim = Claim.get(keys.email_claim(email), keys.CLAIM_SK)
        if claim.role != "operator":
            raise Conflict(f"{email} is a merchant account and cannot be the operator")
        if auth.verify_password(password, claim.password_hash):
            return
        claim.update(actions=[Claim.password_hash.set(auth.hash_password(password))])
    except DoesNotExist:
        Claim(
            keys.email_claim(email),
            keys.CLAIM_SK,
            user_id=keys.new_id(),
            role="operator",
            password_hash=auth.hash_password(password),
            created_at=clock.now_iso(),
        ).save(condition=Claim.pk.does_not_exist())


def _account(email: str) -> Claim | None:
    try:
        return Claim.get(keys.email_claim(email), keys.CLAIM_SK, consistent_read=True)
    except DoesNotExist:
        return None


def _new_password(password: str, generation: int) -> list:
    """The update that sets a password and ends every session of the account's `generation`."""
    return [
        Claim.password_hash.set(auth.hash_password(password)),
        Claim.token_generation.set(generation + 1),
        Claim.revoked_tokens.set({}),
    ]


def _token(account: Claim, email: str) -> str:
    return auth.issue_token(
        user_id=account.user_id,
        role=account.role,
        tenant_id=account.tenant_id,
        email=email,
        generation=int(account.token_generation),
    )


def _digest(token: str) -> str:
    """Reset tokens are kept as their hash: a leaked table holds no usable link."""
    return hashlib.sha256(token.encode()).hexdigest()


def _now() -> int:
    return int(clock.now().timestamp())
