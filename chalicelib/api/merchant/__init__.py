"""The merchant API (/api/admin): a signed-in merchant works on their own shop, whatever the host.
One blueprint per concept, each registered in app.py: catalogue (products, media), orders (fulfilment,
cancellation, refunds, returns), shop_settings (the shop, its policies, rates, discounts, payments), home_figures
(the home page's figures)."""

from chalicelib import idempotency, web


def admin_once(request, schema: dict, operation: str, route: str, write):
    """A merchant's retryable write on their own shop: `write(tenant_id, body)` with the body valid against
    `schema`, idempotent per `Idempotency-Key` scoped to the shop, route and merchant."""
    tenant_id = web.merchant_tenant(request)
    body = web.body(request, schema)
    return idempotency.once(
        operation=operation,
        scope=f"{tenant_id}|{route}|{web.bearer(request)['sub']}",
        key=request.headers.get("idempotency-key"),
        body=body,
        create=lambda: write(tenant_id, body),
    )
