"""The merchant's orders and what follows them: fulfilment, cancellation, refunds, returns."""

from chalice import Blueprint

from chalicelib import attention, cancellation, fulfilment, orders, refunds, return_requests, returns, schemas, web
from chalicelib.api.merchant import admin_once
from chalicelib.api.merchant.auditing import ATTENTION, ORDER, RETURN, Audited

bp = Blueprint(__name__)
routes = web.Routes(bp)
audited = Audited(bp)


@routes.api(
    "/api/admin/orders",
    summary="Orders, newest first (?financial_status= ?fulfillment_status= ?q= an order number or part of an email)",
    response=schemas.page_of(schemas.ORDER),
    tag="admin",
    query={
        **schemas.page_query,
        "financial_status": schemas.ORDER["properties"]["financial_status"],
        "fulfillment_status": schemas.ORDER["properties"]["fulfillment_status"],
        "q": schemas.ORDER_SEARCH,
    },
)
def list_orders():
    request = bp.current_request
    tenant_id = web.merchant_tenant(request)
    return web.json_response(
        orders.list_orders(
            tenant_id,
            **web.page_args(request),
            financial_status=web.query(request, "financial_status"),
            fulfillment_status=web.query(request, "fulfillment_status"),
            q=web.query(request, "q"),
        )
    )


@routes.api(
    "/api/admin/orders/{order_id}",
    summary="An order: lines with their discount and tax allocations, payment, timeline",
    response=schemas.ORDER,
    tag="admin",
)
def get_order(order_id):
    return web.json_response(orders.get(web.merchant_tenant(bp.current_request), order_id))


@routes.api(
    "/api/admin/orders/{order_id}/fulfilments",
    ["POST"],
    summary="Fulfil items (none given: everything left), shipped with carrier and tracking or for pickup",
    request=schemas.FULFILMENT_CREATE,
    response=schemas.FULFILMENT,
    status=201,
    tag="admin",
)
@audited(ORDER, "order_id")
def create_fulfilment(order_id):
    created = admin_once(
        bp.current_request,
        schemas.FULFILMENT_CREATE,
        "create_fulfilment",
        f"POST orders/{order_id}/fulfilments",
        lambda tenant_id, data: fulfilment.create(tenant_id, order_id, data),
    )
    return web.json_response(created, 201)


@routes.api(
    "/api/admin/orders/{order_id}/fulfilments/{fulfilment_id}/status",
    ["POST"],
    summary="Move a fulfilment on: in_transit, delivered, ready_for_pickup, picked_up or cancelled",
    request=schemas.FULFILMENT_STATUS_CHANGE,
    response=schemas.FULFILMENT,
    tag="admin",
)
@audited(ORDER, "order_id")
def fulfilment_status(order_id, fulfilment_id):
    request = bp.current_request
    tenant_id = web.merchant_tenant(request)
    data = web.body(request, schemas.FULFILMENT_STATUS_CHANGE)
    return web.json_response(fulfilment.set_status(tenant_id, order_id, fulfilment_id, data))


@routes.api(
    "/api/admin/orders/{order_id}/cancel",
    ["POST"],
    summary="Cancel an order before anything shipped: refunds what was paid, puts the stock back",
    request=schemas.ORDER_CANCEL,
    response=schemas.ORDER,
    tag="admin",
)
@audited(ORDER, "order_id")
def cancel_order(order_id):
    return web.json_response(
        admin_once(
            bp.current_request,
            schemas.ORDER_CANCEL,
            "cancel_order",
            f"POST orders/{order_id}/cancel",
            lambda tenant_id, data: cancellation.cancel(tenant_id, order_id, data.get("reason")),
        )
    )


@routes.api(
    "/api/admin/orders/{order_id}/refunds",
    ["POST"],
    summary="Refund an amount or lines (never more than was paid)",
    request=schemas.REFUND_CREATE,
    response=schemas.REFUND,
    status=201,
    tag="admin",
)
@audited(ORDER, "order_id")
def create_refund(order_id):
    request = bp.current_request
    key = request.headers.get("idempotency-key")
    refund = admin_once(
        request,
        schemas.REFUND_CREATE,
        "create_refund",
        f"POST orders/{order_id}/refunds",
        lambda tenant_id, data: refunds.manual(tenant_id, order_id, data, key),
    )
    return web.json_response(refund, 201)


@routes.api(
    "/api/admin/returns",
    summary="Returns, newest first (?status=)",
    response=schemas.page_of(schemas.RETURN),
    tag="admin",
    query={**schemas.page_query, "status": schemas.RETURN["properties"]["status"]},
)
def list_returns():
    request = bp.current_request
    tenant_id = web.merchant_tenant(request)
    return web.json_response(
        returns.list_returns(tenant_id, **web.page_args(request), status=web.query(request, "status"))
    )


@routes.api("/api/admin/returns/{return_id}", summary="A return", response=schemas.RETURN, tag="admin")
def get_return(return_id):
    return web.json_response(returns.get(web.merchant_tenant(bp.current_request), return_id))


@routes.api(
    "/api/admin/returns/{return_id}/approve",
    ["POST"],
    summary="Approve a requested return",
    response=schemas.RETURN,
    tag="admin",
)
@audited(RETURN, "return_id")
def approve_return(return_id):
    return web.json_response(return_requests.approve(web.merchant_tenant(bp.current_request), return_id))


@routes.api(
    "/api/admin/returns/{return_id}/reject",
    ["POST"],
    summary="Reject a requested return (optionally saying why: the shopper reads it)",
    request=schemas.RETURN_REJECT,
    response=schemas.RETURN,
    tag="admin",
)
@audited(RETURN, "return_id")
def reject_return(return_id):
    request = bp.current_request
    tenant_id = web.merchant_tenant(request)
    data = web.body(request, schemas.RETURN_REJECT)
    return web.json_response(return_requests.reject(tenant_id, return_id, data.get("reason")))


@routes.api(
    "/api/admin/returns/{return_id}/receive",
    ["POST"],
    summary="The parcel arrived: each item's condition; "
    "restocks the resellable ones and refunds (or credits, or exchanges)",
    request=schemas.RETURN_RECEIVE,
    response=schemas.RETURN,
    tag="admin",
)
@audited(RETURN, "return_id")
def receive_return(return_id):
    request = bp.current_request
    tenant_id = web.merchant_tenant(request)
    return web.json_response(return_requests.receive(tenant_id, return_id, web.body(request, schemas.RETURN_RECEIVE)))


@routes.api(
    "/api/admin/attention",
    summary="Checkouts and returns whose compensation failed for good (a refund not sent, stock not given "
    "back), newest first",
    response=schemas.ATTENTION_LIST,
    tag="admin",
)
def list_attention():
    return web.json_response(attention.listing(web.merchant_tenant(bp.current_request)))


@routes.api(
    "/api/admin/attention/{kind}/{record_id}/resolve",
    ["POST"],
    summary="The merchant dealt with it: the checkout or return leaves the attention list",
    response=schemas.ATTENTION_RESOLVED,
    tag="admin",
)
@audited(ATTENTION, "kind", "record_id")
def resolve_attention(kind, record_id):
    return web.json_response(attention.resolve(web.merchant_tenant(bp.current_request), kind, record_id))
