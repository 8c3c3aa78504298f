"""The admin's bulk edits of products: choose what to change for the products selected in the products index (or
every product matching its filter), preview it (the dry run), run it, follow its progress, undo it.

The products index posts its ticked rows, its filter and the action chosen there to /admin/products/bulk, which
sends them on to `/admin/bulk-edits/new?product_ids=<id>&product_ids=...&action=...`; that page also takes
`?scope=filter&status=<status>&query=<search>`: every product matching the index's filter. Every step posts the
same fields, named as schemas.BULK_EDIT_CREATE names them (`action`, `params.price`, ...), and reaches the same
domain functions as POST /api/admin/bulk-edits.
"""

from urllib.parse import urlencode

from chalice import Blueprint

from chalicelib import admin_ui, bulk_edits, cursors, money, schemas, validation, web
from chalicelib.api.merchant.auditing import BULK_EDIT, Audited, screen_change
from chalicelib.errors import Invalid

bp = Blueprint(__name__)
routes = web.Routes(bp)
audited = Audited(bp)

SHOWN = 200  # rows of each table a page shows: the page stays light; the API has the rest
# The choices the form offers (its `action` field): (choice, the API's action, label, the one parameter it takes,
# typed in the form field `params.<name>`).
ACTIONS = [
    ("publish", "publish", "Publish", None),
    ("unpublish", "unpublish", "Unpublish (make drafts)", None),
    ("set_price", "set_price", "Set every price to", "price"),
    ("adjust_price_percent", "adjust_price", "Change every price by a percentage", "percent"),
    ("adjust_price_amount", "adjust_price", "Change every price by an amount", "amount"),
    ("set_stock", "set_stock", "Set every stock count to", "quantity"),
    ("adjust_stock", "adjust_stock", "Change every stock count by", "delta"),
]
_HINTS = {
    "price": "For example 19.99",
    "percent": "A whole number: 10 raises prices 10 %, -10 lowers them",
    "amount": "For example 2.50, or -2.50 to lower prices",
    "quantity": "Units available to sell",
    "delta": "For example 5, or -5 to take units off",
}


def _query() -> admin_ui.Form:
    """The page's query string, read as a form (the products index sends its selection with a GET)."""
    params = bp.current_request.query_params
    return admin_ui.Form({k: params.getlist(k) for k in params} if params else {})


def _selection(values: admin_ui.Form) -> dict:
    """The products the edit is for, from the products index's fields: ids, or its filter."""
    if values.get("scope") == "filter":
        return {"filter": {k: values.get(k) for k in ("status", "query") if values.get(k)}}
    return {"product_ids": values.list("product_ids")} if values.list("product_ids") else {}


def _number(text: str, name: str, currency: str) -> int:
    """A number typed in a form: whole units for percentages and stock, the shop's currency for money; a leading
    minus sign lowers."""
    sign, digits = (-1, text[1:]) if text[:1] in ("-", "−") else (1, text)  # noqa: RUF001 (a typed minus sign)
    value = money.parse_amount(digits, currency) if name in ("price", "amount") else _whole(digits)
    if value is None:
        example = _HINTS[name].split(",")[0]
        raise Invalid(f"params.{name}: enter a number", {f"params.{name}": f"Enter a number. {example}"})
    return sign * value


def _whole(text: str) -> int | None:
    return int(text) if text.isdigit() and len(text) <= 12 else None


def _payload(form: admin_ui.Form, currency: str) -> dict:
    """The form as the API's request body (schemas.BULK_EDIT_CREATE): the chosen action and the one parameter
    typed for it (a parameter typed for another action is not the merchant's choice)."""
    choice = next((c for c in ACTIONS if c[0] == form.get("action")), None)
    if choice is None:
        raise Invalid("action: choose what to change", {"action": "Choose what to change"})
    _, action, _, name = choice
    params = {}
    if name:
        if not form.get(f"params.{name}"):
            raise Invalid(f"params.{name}: enter a value", {f"params.{name}": "Enter the value for this change"})
        params[name] = _number(form.get(f"params.{name}"), name, currency)
    payload = {"action": action, "params": params, **_selection(form)}
    return validation.check(payload, schemas.BULK_EDIT_CREATE)


def _choose(session, values: admin_ui.Form, errors=None):
    count = len(values.list("product_ids"))
    index_filter = {k: values.get(k) for k in ("status", "query") if values.get(k)}
    offer = {"scope": "filter", **index_filter, "action": values.get("action")}
    return admin_ui.render(
        "bulk_edit_new.html",
        session,
        status=400 if errors else 200,
        nav="products",
        values=values,
        selection=_selection(values),
        count=count,
        actions=ACTIONS,
        hints=_HINTS,
        # The index's filter came along with ticked rows (or none): offer every product it matches instead.
        filter_url="/admin/bulk-edits/new?" + urlencode(offer)
        if index_filter and values.get("scope") != "filter"
        else None,
        errors=errors or admin_ui.FormErrors(),
    )


@routes.admin("/admin/bulk-edits/new", summary="Bulk edit: choose what to change for the selected products")
def bulk_edit_new(session, form):
    return _choose(session, _query())


@routes.admin(
    "/admin/products/bulk",
    ["POST"],
    summary="The products index's bulk action (form: product_ids, action, q, status): on to choosing the change",
)
@Audited.exempt("it only carries the ticked rows on to choosing the change")
def products_bulk_action(session, form):
    action = form.get("action")
    choice = "adjust_price_percent" if action == "adjust_price" else action
    query = [("product_ids", i) for i in form.list("product_ids")] + [
        (name, value)
        for name, value in (("action", choice), ("status", form.get("status")), ("query", form.get("q")))
        if value
    ]
    return admin_ui.redirect("/admin/bulk-edits/new?" + urlencode(query))


@routes.admin(
    "/admin/bulk-edits/preview",
    ["POST"],
    summary="Bulk edit: what it would change and skip (a dry run: nothing changes)",
)
@Audited.exempt("a dry run changes nothing")
def bulk_edit_preview(session, form):
    try:
        payload = _payload(form, session.shop.currency)
        preview = bulk_edits.preview(session.tenant_id, payload)
    except Invalid as err:
        return _choose(session, form, _errors(err))
    back_url = "/admin/bulk-edits/new?" + urlencode(
        [(k, v) for k, values in form.values.items() if k != "csrf_token" for v in values]
    )
    return admin_ui.render(
        "bulk_edit_preview.html", session, nav="products", **_shown(preview, session), form=form, back_url=back_url
    )


@routes.admin("/admin/bulk-edits", ["POST"], summary="Bulk edit: run it (then its progress page)")
@Audited.creates(BULK_EDIT)
def bulk_edit_run(session, form):
    try:
        payload = _payload(form, session.shop.currency)
        start = lambda: bulk_edits.start(session.tenant_id, payload)  # noqa: E731
        edit = screen_change(session, "create_bulk_edit", BULK_EDIT, None, start, created="id")
    except Invalid as err:
        return _choose(session, form, _errors(err))
    return admin_ui.redirect(f"/admin/bulk-edits/{edit['id']}")


def _errors(err: Invalid) -> admin_ui.FormErrors:
    """The form's errors: one about the products (`product_ids[3]`: deleted since it was ticked; the filter the
    index sent) stands by the selection, the only place the page shows them."""
    errors = admin_ui.FormErrors.of(err)
    errors.fields = {
        ("product_ids" if k.startswith(("product_ids", "filter")) else k): v for k, v in errors.fields.items()
    }
    return errors


@routes.admin("/admin/bulk-edits", summary="The shop's bulk edits, newest first")
def bulk_edit_list(session, form):
    cursor = _query().get("cursor") or None
    page = bulk_edits.list_edits(session.tenant_id, limit=cursors.DEFAULT_LIMIT, cursor=cursor)
    next_url = f"/admin/bulk-edits?cursor={page['next']}" if page["next"] else None
    return admin_ui.render(
        "bulk_edit_list.html", session, nav="products", edits=page["items"], next_url=next_url, describe=describe
    )


@routes.admin("/admin/bulk-edits/{bulk_edit_id}", summary="A bulk edit: its progress, then what it changed")
def bulk_edit_page(session, form, bulk_edit_id):
    edit = bulk_edits.get(session.tenant_id, bulk_edit_id)
    return admin_ui.render("bulk_edit.html", session, nav="products", **_shown(edit, session))


@routes.admin("/admin/bulk-edits/{bulk_edit_id}/undo", ["POST"], summary="Undo a bulk edit (then its progress page)")
@audited.page(BULK_EDIT, "bulk_edit_id", action="undo_bulk_edit")
def bulk_edit_undo(session, form, bulk_edit_id):
    undo, _ = bulk_edits.undo(session.tenant_id, bulk_edit_id)
    return admin_ui.redirect(f"/admin/bulk-edits/{undo['id']}")


def _shown(edit: dict, session) -> dict:
    """What the preview and progress pages show of an edit: its rows (the first SHOWN of each), values as the
    merchant reads them."""
    currency = session.shop.currency

    def value(row: dict, key: str) -> str:
        shown = row[key]
        if row["field"] == "price":
            return money.format_money(shown, currency)
        return {"active": "Active", "draft": "Draft"}.get(shown, str(shown))

    rows = {
        name: [{**row, "shown_before": value(row, "before"), "shown_after": value(row, "after")} for row in found]
        if name == "changes"
        else found
        for name, found in ((n, edit[n][:SHOWN]) for n in ("changes", "skipped", "failures"))
    }
    return {"edit": edit, "rows": rows, "description": describe(edit, currency), "shown": SHOWN}


def describe(edit: dict, currency: str) -> str:
    """An edit in words: "Raise prices by 10 %", "Set stock to 9"."""
    action, params = edit["action"], edit["params"]
    if action == "undo":
        return "Undo of an earlier bulk edit"
    if action in ("publish", "unpublish"):
        return {"publish": "Publish", "unpublish": "Unpublish"}[action]
    if action == "set_price":
        return f"Set prices to {money.format_money(params['price'], currency)}"
    if action == "set_stock":
        return f"Set stock to {params['quantity']}"
    if action == "adjust_stock":
        delta = params["delta"]
        return f"Add {delta} to stock" if delta >= 0 else f"Take {-delta} off stock"
    by = f"{abs(params['percent'])} %" if "percent" in params else money.format_money(abs(params["amount"]), currency)
    change = params.get("percent", params.get("amount", 0))
    return f"{'Raise' if change >= 0 else 'Lower'} prices by {by}"
