"""The storefront at the edge: what a CDN may keep, and for how long.

Anonymous storefront pages (home, collection, search, product, policies) are the same HTML for every shopper
(the cart badge reads the `cart_count` cookie in the browser), so CloudFront keeps them. Everything else,
and every answer that does not say otherwise, is `private, no-store` (web.around_request)."""

# s-maxage: how long the edge keeps a page. A merchant's change does not wait for it: the cache key carries
# the shop's version (see announce), so a change is a new key. An hour bounds what no write announces.
# stale-while-revalidate: a popular page that just expired is answered from the edge while one request
# fetches it again, so shoppers never wait on the origin for it.
PAGE_SECONDS = 3600
REVALIDATE_SECONDS = 60
PUBLIC = f"public, max-age=0, s-maxage={PAGE_SECONDS}, stale-while-revalidate={REVALIDATE_SECONDS}"

# A public page's 404 (an unknown product, collection or shop) is kept briefly: it names no one, a dead link
# hammered by crawlers stays off the origin, and a product created under that handle is announced anyway.
NOT_FOUND = "public, max-age=0, s-maxage=60"

# A shopper's own pages, the admin's, the operator's, every API answer, 503s of suspended shops and errors.
PRIVATE = "private, no-store"
