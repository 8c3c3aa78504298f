"""The security headers an answer gets (chalicelib/security_headers.py), by what it is and where it is served."""

import json
from pathlib import Path

from chalicelib import security_headers, settings


def test_a_page_gets_the_policy_other_answers_only_nosniff_and_the_referrer_policy():
    page = security_headers.add_to({"Content-Type": "text/html; charset=utf-8"})
    assert page["Content-Security-Policy"] == security_headers.PAGE_POLICY
    answer = security_headers.add_to({"Content-Type": "application/json"})
    assert "Content-Security-Policy" not in answer
    for headers in (page, answer, security_headers.add_to({})):
        assert headers["X-Content-Type-Options"] == "nosniff"
        assert headers["Referrer-Policy"] == "strict-origin-when-cross-origin"


def test_what_a_route_set_itself_stays():
    own = {"content-type": "text/html", "content-security-policy": "frame-ancestors 'self'", "Referrer-Policy": "x"}
    headers = security_headers.add_to(own)
    assert {k.lower() for k in headers} == {k.lower() for k in own} | {"x-content-type-options"}
    assert headers["content-security-policy"] == "frame-ancestors 'self'" and headers["Referrer-Policy"] == "x"


def test_hsts_only_where_the_platform_serves_https(monkeypatch):
    assert "Strict-Transport-Security" not in security_headers.add_to({})  # the local server: plain HTTP
    monkeypatch.setattr(settings, "LOCAL", False)
    assert security_headers.add_to({})["Strict-Transport-Security"] == "max-age=31536000"


def test_pages_load_images_from_the_media_cdn(monkeypatch):
    policy = dict(d.split(" ", 1) for d in security_headers.content_security_policy().split("; "))
    assert policy["img-src"] == "'self' data:"  # locally media is on the page's own origin (/media)
    monkeypatch.setattr(settings, "MEDIA_BASE_URL", "https://d111111abcdef8.cloudfront.net")
    policy = dict(d.split(" ", 1) for d in security_headers.content_security_policy().split("; "))
    assert policy["img-src"] == "'self' data: https://d111111abcdef8.cloudfront.net"
    assert policy["script-src"] == policy["style-src"] == "'self'" and policy["frame-ancestors"] == "'none'"


def test_media_from_cloudfront_is_nosniff():
    """CloudFront's managed SecurityHeadersPolicy: nosniff on every answer, HSTS, Referrer-Policy."""
    resources = json.loads((Path(__file__).parents[2] / "infra/resources.json").read_text())["Resources"]
    behaviour = resources["MediaDistribution"]["Properties"]["DistributionConfig"]["DefaultCacheBehavior"]
    assert behaviour["ResponseHeadersPolicyId"] == "67f7725c-6f97-4210-82d7-5512b31e9d03"
