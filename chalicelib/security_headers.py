"""The headers every answer carries for the browser's sake, added in one place (web.around_request).

Every answer: `X-Content-Type-Options: nosniff` (a JSON answer or a script is never read as a page),
`Referrer-Policy` (other sites see our origin, never a path such as an order page's), and HSTS when the
platform serves HTTPS (hosts.scheme(): in AWS; the local server is plain HTTP), never because a client's
header says so. Pages also get a Content-Security-Policy that refuses framing. Storefront pages are
meant to be cached by a CDN, so one policy must serve every copy of a page: no per-response nonce, hence
no inline script and no inline style on any page; scripts and stylesheets are files (chalicelib/assets.py)
and a page's data sits in `data-` attributes. No page the app serves needs an inline script, so no page
carries a nonce either.
"""

from urllib.parse import urlsplit

from . import hosts, settings

HSTS = "max-age=31536000"  # no includeSubDomains: a shop's custom domain is the merchant's, not ours to pin
REFERRER_POLICY = "strict-origin-when-cross-origin"


def content_security_policy(form_targets: tuple[str, ...] = (), framed_by: str = "'none'") -> str:
    """What a page may load: scripts, styles, fetches and form posts only from its own origin, images also
    from the media CDN (and `data:` for the empty favicon), fetches also to the media bucket's upload endpoint
    (the admin's image upload); no plugin, no <base>, no framing. `form_targets`:
    other origins a form of this page may end up at (a post whose answer redirects there, such as Stripe's
    onboarding: browsers hold the redirect to form-action too). `framed_by`: who may frame it (a theme preview:
    the admin, on the same origin, "'self'")."""
    media = urlsplit(settings.MEDIA_BASE_URL)
    images = " ".join(["'self'", "data:", *([f"{media.scheme}://{media.netloc}"] if media.netloc else [])])
    uploads = urlsplit(settings.MEDIA_UPLOAD_URL)
    return "; ".join(
        [
            "default-src 'self'",
            *([f"connect-src 'self' {uploads.scheme}://{uploads.netloc}"] if uploads.netloc else []),
            "script-src 'self'",
            "style-src 'self'",
            f"img-src {images}",
            "object-src 'none'",
            "base-uri 'none'",
            " ".join(["form-action 'self'", *form_targets]),
            f"frame-ancestors {framed_by}",
        ]
    )


PAGE_POLICY = content_security_policy()


def add_to(headers: dict) -> dict:
    """`headers` with the security headers it lacks (what a route set itself, e.g. its own policy, stays)."""
    present = {name.lower() for name in headers}
    content_type = next((v for k, v in headers.items() if k.lower() == "content-type"), "")
    wanted = {"X-Content-Type-Options": "nosniff", "Referrer-Policy": REFERRER_POLICY}
    if hosts.scheme() == "https":
        wanted["Strict-Transport-Security"] = HSTS
    if content_type.startswith("text/html"):
        wanted["Content-Security-Policy"] = PAGE_POLICY
    return {**{k: v for k, v in wanted.items() if k.lower() not in present}, **headers}
