"""Routes other services call: Stripe's and the carriers' signed events."""

from chalice import Blueprint

from chalicelib import carrier_webhooks, schemas, web, webhooks

bp = Blueprint(__name__)
routes = web.Routes(bp)


@routes.api(
    "/api/webhooks/stripe",
    ["POST"],
    summary="Stripe webhook: signed payment, refund (refund.created/updated/failed, charge.refund.updated) and "
    "Connect events",
    response=schemas.WEBHOOK_ACK,
    tag="webhooks",
)
def stripe_webhook():
    request = bp.current_request
    return web.json_response(webhooks.receive(request.raw_body, request.headers.get("stripe-signature")))


@routes.api(
    "/api/webhooks/carriers/{shop_id}",
    ["POST"],
    summary="Carrier webhook: signed tracking updates (in_transit, delivered) for the shop's fulfilments",
    response=schemas.CARRIER_EVENT_ACK,
    tag="webhooks",
)
def carrier_webhook(shop_id):
    request = bp.current_request
    return web.json_response(
        carrier_webhooks.carrier_event(
            shop_id, request.raw_body, request.headers.get(carrier_webhooks.SIGNATURE_HEADER.lower())
        )
    )
