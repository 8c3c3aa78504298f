"""The returns queue: returns by status, newest first, and a return's page with what the merchant does next:
approve or reject (saying why) a requested return, and receive the parcel item by item, each unit resellable
(back to stock) or damaged. The same domain functions and schemas as /api/admin/returns."""

from chalice import Blueprint, Response

from chalicelib import admin_ui, return_requests, returns, schemas, validation, web
from chalicelib.api.admin.orders import confirmed_reason, index_page, on_rows, quantity
from chalicelib.api.merchant import auditing
from chalicelib.errors import Invalid

bp = Blueprint(__name__)
routes = web.Routes(bp)
audited = auditing.Audited(bp)

STATUSES = [("", "Any status")] + [(s, s.replace("_", " ").capitalize()) for s in returns.LIFECYCLE.statuses]
CONDITIONS = ("resellable", "damaged")


@routes.admin("/admin/returns", summary="Returns by status, newest first")
def returns_index(session, form):
    return index_page(
        session,
        "returns_index.html",
        "/admin/returns",
        lambda limit, cursor, **filters: returns.list_returns(session.tenant_id, limit=limit, cursor=cursor, **filters),
        ("status",),
        nav="returns",
        statuses=STATUSES,
    )


def _return_page(session, return_id, values=None, errors=None, *, status=200):
    ret = returns.for_page(session.tenant_id, return_id)
    names = {i["variant_id"]: i["title"] for i in ret["items"]}
    defaults = {f"items[{i}].resellable": str(item["quantity"]) for i, item in enumerate(ret["items"])}
    return admin_ui.render(
        "returns_show.html",
        session,
        status=status,
        nav="returns",
        notice=admin_ui.notice((bp.current_request.query_params or {}).get("notice")),
        ret=ret,
        names=names,
        can_decide=returns.LIFECYCLE.allows(ret["status"], "approved"),
        can_receive=returns.LIFECYCLE.allows(ret["status"], "received"),
        values=values or defaults,
        errors=errors or admin_ui.FormErrors(),
    )


@routes.admin("/admin/returns/{return_id}", summary="A return: items, reason, outcome, history, what to do next")
def return_detail(session, form, return_id):
    return _return_page(session, return_id)


@routes.admin("/admin/returns/{return_id}/approve", ["POST"], summary="Approve a requested return")
@audited.page(auditing.RETURN, "return_id", action="approve_return")
def approve(session, form, return_id):
    return_requests.approve(session.tenant_id, return_id)
    return admin_ui.redirect(f"/admin/returns/{return_id}", notice="approved")


def _reject_page(session, return_id, reason="", errors=None):
    ret = returns.for_page(session.tenant_id, return_id)
    return admin_ui.render(
        "returns_reject.html",
        session,
        status=400 if errors else 200,
        nav="returns",
        ret=ret,
        reason=reason,
        errors=errors or admin_ui.FormErrors(),
    )


@routes.admin("/admin/returns/{return_id}/reject", summary="Reject a return: the confirmation, with a reason")
def reject_page(session, form, return_id):
    return _reject_page(session, return_id)


@routes.admin(
    "/admin/returns/{return_id}/reject",
    ["POST"],
    summary="Reject a requested return (form: reason, which the shopper reads)",
)
@audited.page(auditing.RETURN, "return_id", action="reject_return")
def reject(session, form, return_id):
    data = confirmed_reason(form, schemas.RETURN_REJECT, lambda *again: _reject_page(session, return_id, *again))
    if isinstance(data, Response):
        return data
    return_requests.reject(session.tenant_id, return_id, data.get("reason"))
    return admin_ui.redirect(f"/admin/returns/{return_id}", notice="rejected")


@routes.admin(
    "/admin/returns/{return_id}/receive",
    ["POST"],
    summary="The parcel arrived (form: items[i].resellable, items[i].damaged): restocks and settles the return",
)
@audited.page(auditing.RETURN, "return_id", action="receive_return")
def receive(session, form, return_id):
    """Each item's units in two boxes, resellable and damaged: sent as the API's list of {variant_id, quantity,
    condition}, two entries per item, so the API's errors about entry k land on the box it came from."""
    ret = returns.for_page(session.tenant_id, return_id)
    items, names, fields = [], [], {}
    for i, item in enumerate(ret["items"]):
        for condition in CONDITIONS:
            name = f"items[{i}].{condition}"
            items.append(
                {"variant_id": item["variant_id"], "quantity": quantity(form, name, fields), "condition": condition}
            )
            names.append(name)
    if not fields and not any(item["quantity"] for item in items):
        fields["items[0].resellable"] = "Say how many units came back"
    values = {name: form.get(name) for name in names}
    try:
        if fields:
            raise Invalid("Check the quantities", fields)
        data = validation.check({"items": items}, schemas.RETURN_RECEIVE)
        return_requests.receive(session.tenant_id, return_id, data)
    except Invalid as err:
        return _return_page(session, return_id, values, on_rows(err, "items", names), status=400)
    return admin_ui.redirect(f"/admin/returns/{return_id}", notice="received")
