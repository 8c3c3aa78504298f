"""The merchant's bulk edits of products: preview (dry run), run in the background, follow, undo."""

from chalice import Blueprint

from chalicelib import bulk_edits, schemas, web
from chalicelib.api.merchant import admin_once
from chalicelib.api.merchant.auditing import BULK_EDIT, Audited

bp = Blueprint(__name__)
routes = web.Routes(bp)
audited = Audited(bp)


@routes.api(
    "/api/admin/bulk-edits",
    ["POST"],
    summary="Edit many products at once: a dry run (200) answers what would change; a run (202) starts it",
    request=schemas.BULK_EDIT_CREATE,
    response=schemas.BULK_EDIT,
    status=(202, 200),
    tag="admin",
)
@audited(BULK_EDIT, created="id")
def create_bulk_edit():
    edit = admin_once(
        bp.current_request,
        schemas.BULK_EDIT_CREATE,
        "create_bulk_edit",
        "POST /api/admin/bulk-edits",
        lambda tenant_id, data: (bulk_edits.preview if data.get("dry_run") else bulk_edits.start)(tenant_id, data),
    )
    return web.json_response(edit, 200 if edit["dry_run"] else 202)


@routes.api(
    "/api/admin/bulk-edits",
    summary="The shop's bulk edits, newest first",
    response=schemas.page_of(schemas.BULK_EDIT_SUMMARY),
    tag="admin",
    query=schemas.page_query,
)
def list_bulk_edits():
    request = bp.current_request
    tenant_id = web.merchant_tenant(request)
    return web.json_response(bulk_edits.list_edits(tenant_id, **web.page_args(request)))


@routes.api(
    "/api/admin/bulk-edits/{bulk_edit_id}",
    summary="A bulk edit: its progress while it runs, what it changed, skipped and could not edit",
    response=schemas.BULK_EDIT,
    tag="admin",
)
def get_bulk_edit(bulk_edit_id):
    return web.json_response(bulk_edits.get(web.merchant_tenant(bp.current_request), bulk_edit_id))


@routes.api(
    "/api/admin/bulk-edits/{bulk_edit_id}/undo",
    ["POST"],
    summary="Undo a finished bulk edit (202): each changed field back where nothing changed it since (200: undone)",
    response=schemas.BULK_EDIT,
    status=(202, 200),
    tag="admin",
)
@audited(BULK_EDIT, "bulk_edit_id")
def undo_bulk_edit(bulk_edit_id):
    edit, started = bulk_edits.undo(web.merchant_tenant(bp.current_request), bulk_edit_id)
    return web.json_response(edit, 202 if started else 200)
