"""The merchant API (/api/admin): a signed-in merchant works on their own shop, whatever the host.
One blueprint per concept, each registered in app.py: catalogue (products, media), orders (fulfilment,
cancellation, refunds, returns), shop_settings (the shop, its policies, rates, discounts, payments)."""

from chalicelib import idempotency, web


def admin_once(request, tenant_id: str, operation: str, route: str, body, create):
    """A merchant's retryable write, idempotent per `Idempotency-Key` scoped to the shop, route and merchant."""
    return idempotency.once(
        operation=operation,
        scope=f"{tenant_id}|{route}|{web.bearer(request)['sub']}",
        key=request.headers.get("idempotency-key"),
        body=body,
        create=create,
    )
