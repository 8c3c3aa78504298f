"""Configuration read from the environment, in one place.

The same names are set by `.chalice/config.json` in AWS and by the local
runtime (`infra/local/runtime.py`) offline.
"""

import os
from pathlib import Path

STAGE = os.environ.get("STAGE", "local")
REGION = os.environ.get("AWS_DEFAULT_REGION", "us-east-1")
PREFIX = os.environ.get("RESOURCE_PREFIX", f"shopbuilder-{STAGE}")

TENANT_TABLE = os.environ.get("TENANT_TABLE", f"{PREFIX}-tenants")
PLATFORM_TABLE = os.environ.get("PLATFORM_TABLE", f"{PREFIX}-platform")
IDEMPOTENCY_TABLE = os.environ.get("IDEMPOTENCY_TABLE", f"{PREFIX}-idempotency")
MEDIA_BUCKET = os.environ.get("MEDIA_BUCKET", f"{PREFIX}-media")

# `make run` and the tests: the local server, plain http on localhost:PORT. Every other stage is AWS, https only.
LOCAL = STAGE == "local"
LOCAL_PORT = int(os.environ.get("PORT", "8000"))

# Wildcard domain that storefronts live under: acme.<STOREFRONT_DOMAIN>.
STOREFRONT_DOMAIN = os.environ.get("STOREFRONT_DOMAIN", "localhost")
# The themes, emails and the files pages load: templates/ beside chalicelib/ in the repo, a copy inside it in the
# Lambda package.
_HERE = Path(__file__).resolve().parent
TEMPLATES = Path(
    os.environ.get("TEMPLATES_DIR") or next(p for p in (_HERE.parent / "templates", _HERE / "templates") if p.is_dir())
)
# Where product images are served from (CloudFront in AWS, the local server offline).
MEDIA_BASE_URL = os.environ.get("MEDIA_BASE_URL", "/media")
# Where a merchant's browser posts an upload: the bucket's own endpoint in AWS, the local server's stand-in here.
MEDIA_UPLOAD_URL = os.environ.get("MEDIA_UPLOAD_URL", "/media")

TOKEN_SECRET = os.environ.get("TOKEN_SECRET", "")
TOKEN_TTL_SECONDS = int(os.environ.get("TOKEN_TTL_SECONDS", str(12 * 3600)))

SENDER_EMAIL = os.environ.get("SENDER_EMAIL", "no-reply@shops.example.com")

# Step Functions state machines, by workflow name, e.g. {"onboarding": "arn:..."}.
STATE_MACHINE_PREFIX = os.environ.get(
    "STATE_MACHINE_ARN_PREFIX",
    f"arn:aws:states:{REGION}:123456789012:stateMachine:{PREFIX}-",
)


def state_machine_arn(workflow: str) -> str:
    return STATE_MACHINE_PREFIX + workflow


# EventBridge bus for domain events (order.created, ...).
EVENT_BUS = os.environ.get("EVENT_BUS", PREFIX)

# A cart nobody touched for this long is gone.
CART_IDLE_SECONDS = int(os.environ.get("CART_IDLE_SECONDS", str(30 * 24 * 3600)))


def reservation_seconds() -> int:
    """How long a checkout holds its stock waiting for payment (read per checkout, so it can be tuned live)."""
    return max(1, int(os.environ.get("RESERVATION_SECONDS", "900")))


def return_day_seconds() -> int:
    """How long a "day" of a return policy's timers lasts (86400; tests shorten it to watch a return expire)."""
    return max(1, int(os.environ.get("RETURN_DAY_SECONDS", "86400")))


# How long a Lambda container reuses a storefront's host -> shop resolution (tenants.shop_for_host):
# a suspension or theme change reaches every container within this many seconds. 0 turns it off.
SHOP_CACHE_SECONDS = float(os.environ.get("SHOP_CACHE_SECONDS", "5"))
