"""What the platform operator reads: tenants with their usage, and the SLA report."""

from .common import answer, boolean, currency, integer, nullable_string, string, timestamp

USAGE = answer(
    {
        "orders": {"type": "integer", "description": "Orders placed this month"},
        "gmv": {"type": "integer", "description": "What those orders were worth, in the shop's currency's minor unit"},
        "currency": currency,
        "products": {"type": "integer", "description": "Products in the catalogue now"},
        "requests": {"type": "integer", "description": "Requests this month that reached the app"},
    }
)
TENANT = answer(
    {
        "id": string,
        "subdomain": string,
        "plan": nullable_string,
        "status": {"enum": ["active", "suspended", None]},
        "created_at": timestamp,
        "usage": {"anyOf": [USAGE, {"type": "null"}], "description": "null while the shop is being created"},
        "needs_attention": {
            "type": "integer",
            "description": "Checkouts and returns whose compensation failed for good, waiting for the merchant",
        },
    },
    optional=("needs_attention",),
)
_nullable_ms = {"type": ["integer", "null"]}
SLA_REPORT = answer(
    {
        "month": {"type": "string", "description": "YYYY-MM"},
        "items": {
            "type": "array",
            "items": answer(
                {
                    "tenant_id": string,
                    "requests": integer,
                    "server_errors": integer,
                    "availability": {"type": ["number", "null"], "description": "A fraction; null without requests"},
                    "latency_ms": answer({"p50": _nullable_ms, "p95": _nullable_ms, "p99": _nullable_ms}),
                    "promise": answer({"availability": {"type": "number"}, "p99_ms": integer}),
                    "met": boolean,
                }
            ),
        },
    }
)
