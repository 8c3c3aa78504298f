"""The HTTP routes, one Chalice Blueprint per audience; app.py registers each.

- platform: anyone (health, the API document, signup, login, the 404 for everything else)
- webhooks: Stripe and carriers
- merchant: /api/admin, a signed-in merchant's own shop; a package, one blueprint per concept
  (catalogue, orders, shop_settings)
- operator: /api/operator, the platform's owner
- storefront: a shop's pages and /api/store, for its shoppers

A new audience (a web admin, an operator console) is one more module here: `bp = Blueprint(__name__)`,
`routes = web.Routes(bp)`, its routes, and one line in app.py. Chalice only packages blueprints
that live under chalicelib/. Routes carry their full path (no url_prefix), so a URL is found by
searching for it, and the OpenAPI document registers it as written.
"""
