"""The Chalice app: the HTTP routes by audience (chalicelib/api/), what wraps every request,
and the functions Step Functions and the schedule call."""

from chalice import Chalice, Rate

from chalicelib import (
    checkout,
    media,
    onboarding,
    refunds,
    return_tasks,  # noqa: F401  (registers the returns workflow's tasks: no route imports them)
    web,
    workflows,
)
from chalicelib.api import operator, platform, storefront, webhooks
from chalicelib.api.admin import audit, discounts, home, online_store, products, session, settings, translations
from chalicelib.api.admin import bulk_edits as bulk_edit_screens
from chalicelib.api.admin import orders as order_pages
from chalicelib.api.admin import policies as policy_pages
from chalicelib.api.admin import returns as return_pages
from chalicelib.api.merchant import (
    audit_log,
    bulk_edits,
    catalogue,
    home_figures,
    orders,
    shop_settings,
    theme_templates,
)
from chalicelib.observability import logger

app = Chalice(app_name="shopbuilder")
app.log = logger
# Around every route of every blueprint: log keys, tenant binding, the request's log line and SLA counts.
app.register_middleware(web.around_request, "http")

# One blueprint per audience, the merchant's API and web admin one per concept; a new one is a module in
# chalicelib/api/ and a line here.
for blueprint in (
    platform,
    webhooks,
    catalogue,
    bulk_edits,
    orders,
    shop_settings,
    theme_templates,
    audit_log,
    home_figures,
    operator,
    storefront,
    session,
    home,
    settings,
    discounts,
    products,
    translations,
    bulk_edit_screens,
    audit,
    order_pages,
    return_pages,
    policy_pages,
    online_store,
):
    app.register_blueprint(blueprint.bp)


# Workflow tasks ---------------------------------------------------------


@app.lambda_function(name="workflow_task")
def workflow_task(event, context):
    return workflows.run_task(event)


# Media processing: S3's "Object Created" event for an upload, through EventBridge (infra/resources.json). Its own
# function with Pillow in its own layer (infra/package.py): the API handler's package and cold start stay as they are.


@app.lambda_function(name="process_media")
def process_media(event, context):
    return {"status": media.process(media.processed_event_key(event))}


# Scheduled --------------------------------------------------------------


@app.schedule(Rate(5, unit=Rate.MINUTES), name="sweep_reservations")
def sweep_reservations(event):
    """Releases stock held by checkouts whose workflow is gone (locally the server runs this every minute)."""
    return checkout.sweep()


@app.schedule(Rate(5, unit=Rate.MINUTES), name="sweep_onboarding")
def sweep_onboarding(event):
    """Starts onboarding of shops whose start failed at signup (locally the server runs this every minute)."""
    return onboarding.sweep()


@app.schedule(Rate(15, unit=Rate.MINUTES), name="reconcile_refunds")
def reconcile_refunds(event):
    """Settles refunds pending past refunds.RECONCILE_AFTER_SECONDS by asking Stripe (locally the server runs
    this with the sweeper)."""
    return refunds.reconcile()
