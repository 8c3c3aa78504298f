"""The web admin's session and its CSRF protection.

The session is the very token the API's `Authorization: Bearer` carries (auth.issue_token: expiring, revoked by
signing out or a password change, accounts.check_session), held in an `HttpOnly` cookie the page's scripts cannot
read, `SameSite=Lax` so another site's form cannot send it, `Secure` whenever the platform serves HTTPS.

CSRF: each browser gets a random `shop_csrf` cookie on its first admin page; every form that changes data carries
`csrf_token`, an HMAC of that cookie under the platform's secret. A POST whose token does not match its cookie
(another site's form cannot read either) is refused with 403. The sign-in and sign-up forms are covered too: the
cookie exists before any session does.
"""

import hmac
import secrets

from . import accounts, auth, hosts, settings
from .errors import DomainError

SESSION_COOKIE = "shop_session"
CSRF_COOKIE = "shop_csrf"


def claims(cookie_value: str | None) -> dict | None:
    """The signed-in account of a session cookie, or None (no cookie, expired, signed out, password changed)."""
    if not cookie_value:
        return None
    try:
        return accounts.check_session(auth.verify_token(f"Bearer {cookie_value}"))
    except DomainError:
        return None


def session_cookie(token: str) -> str:
    return _cookie(SESSION_COOKIE, token, settings.TOKEN_TTL_SECONDS)


def ended_session_cookie() -> str:
    return _cookie(SESSION_COOKIE, "", 0)


def new_csrf_seed() -> str:
    return secrets.token_urlsafe(32)


def csrf_cookie(seed: str) -> str:
    return _cookie(CSRF_COOKIE, seed, 365 * 86400)


def csrf_token(seed: str) -> str:
    return auth.keyed_digest("admin-csrf", seed)


def csrf_ok(seed: str | None, sent: str | None) -> bool:
    return bool(seed and sent) and hmac.compare_digest(csrf_token(seed or ""), sent or "")


def _cookie(name: str, value: str, max_age: int) -> str:
    secure = "; Secure" if hosts.scheme() == "https" else ""
    return f"{name}={value}; Path=/; Max-Age={max_age}; HttpOnly; SameSite=Lax{secure}"
