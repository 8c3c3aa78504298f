"""Passwords (scrypt) and signed, expiring bearer tokens (JWT, HS256).

Why not Cognito: see README ("Identity"). scrypt is OpenSSL's, in the standard
library; tokens are verified on every request in AWS and locally alike. A token
names its account (`email`), its own id (`jti`, what logging out revokes) and the
account's token generation it was issued in (`gen`, which a password change moves
on): accounts.py checks those against the account.
"""

import base64
import hashlib
import hmac
import os
import secrets
import time

import jwt

from . import settings
from .errors import Forbidden, Unauthorized

# RFC 7914 interactive-login parameters: ~16 MiB, tens of ms per hash.
_N, _R, _P = 2**14, 8, 1
_ISSUER = "shopbuilder"


def hash_password(password: str) -> str:
    salt = os.urandom(16)
    digest = hashlib.scrypt(password.encode(), salt=salt, n=_N, r=_R, p=_P, dklen=32)
    b64 = base64.b64encode
    return f"scrypt${_N}${_R}${_P}${b64(salt).decode()}${b64(digest).decode()}"


def verify_password(password: str, stored: str | None) -> bool:
    """Constant-time; with no stored hash it still spends the same work."""
    if not stored:
        hashlib.scrypt(password.encode(), salt=b"0" * 16, n=_N, r=_R, p=_P, dklen=32)
        return False
    _, n, r, p, salt, digest = stored.split("$")
    got = hashlib.scrypt(password.encode(), salt=base64.b64decode(salt), n=int(n), r=int(r), p=int(p), dklen=32)
    return hmac.compare_digest(got, base64.b64decode(digest))


def _secret() -> str:
    secret = settings.TOKEN_SECRET or os.environ.get("TOKEN_SECRET", "")
    if len(secret) < 32:
        raise RuntimeError("TOKEN_SECRET must be set to at least 32 characters")
    return secret


def keyed_digest(purpose: str, value: str) -> str:
    """An HMAC of `value` under the platform's secret, one key per `purpose` (the admin's CSRF tokens)."""
    key = hashlib.sha256(f"{purpose}|{_secret()}".encode()).digest()
    return hmac.new(key, value.encode(), hashlib.sha256).hexdigest()


def issue_token(*, user_id: str, role: str, tenant_id: str | None, email: str, generation: int = 0) -> str:
    now = int(time.time())
    claims = {
        "sub": user_id,
        "role": role,
        "tid": tenant_id,
        "email": email,
        "gen": generation,
        "jti": secrets.token_urlsafe(16),
        "iss": _ISSUER,
        "iat": now,
        "exp": now + settings.TOKEN_TTL_SECONDS,
    }
    return jwt.encode(claims, _secret(), algorithm="HS256")


def verify_token(authorization: str | None) -> dict:
    """The claims of a valid `Bearer` token; Unauthorized otherwise."""
    if not authorization or not authorization.startswith("Bearer "):
        raise Unauthorized("Sign in: send Authorization: Bearer <token>")
    try:
        return jwt.decode(
            authorization[7:].strip(),
            _secret(),
            algorithms=["HS256"],
            issuer=_ISSUER,
            options={"require": ["exp", "sub", "role", "email", "jti"]},
        )
    except jwt.ExpiredSignatureError:
        raise Unauthorized("Your session has expired; sign in again") from None
    except jwt.InvalidTokenError:
        raise Unauthorized("Invalid token") from None


def require_role(claims: dict, role: str) -> None:
    if claims.get("role") != role:
        raise Forbidden(f"This needs a {role} account")
