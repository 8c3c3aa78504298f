"""hosts.py as AWS runs it (https, the platform's domain) and locally: which hosts an answer's URL may use."""

from types import SimpleNamespace

import pytest

from chalicelib import hosts, settings


def _shop(domain=None, verified=False):
    return SimpleNamespace(
        subdomain="acme", custom_domain=domain, domain_verified_at="2026-12-01T00:00:00Z" if verified else None
    )


@pytest.fixture
def aws(monkeypatch):
    monkeypatch.setattr(settings, "LOCAL", False)
    monkeypatch.setattr(settings, "STOREFRONT_DOMAIN", "shops.example.com")
    monkeypatch.setattr(settings, "REGION", "eu-west-1")


@pytest.mark.parametrize(
    "request_host",
    [
        "evil.example",
        "javascript://evil",
        "shops.example.com.evil.example",
        "other.shops.example.com",
        "",
        "a b",
        "localhost:8000",
    ],
)
def test_in_aws_a_host_that_is_not_the_shops_gives_its_https_primary_host(aws, request_host):
    assert hosts.storefront_base(_shop(), request_host, "/s/acme") == "https://acme.shops.example.com"
    assert hosts.storefront_url(_shop(), request_host) == "https://acme.shops.example.com/"


@pytest.mark.parametrize(
    ("request_host", "base"),
    [
        ("acme.shops.example.com", "https://acme.shops.example.com"),
        ("ACME.shops.example.com:443", "https://acme.shops.example.com"),
        ("shops.example.com", "https://shops.example.com/s/acme"),
        ("abc123.execute-api.eu-west-1.amazonaws.com", "https://abc123.execute-api.eu-west-1.amazonaws.com/s/acme"),
    ],
)
def test_in_aws_the_shops_own_hosts_keep_their_form_on_https(aws, request_host, base):
    assert hosts.storefront_base(_shop(), request_host, "" if "acme." in base else "/s/acme") == base


def test_a_custom_domain_is_the_shops_host_and_primary_once_verified(aws):
    pending, verified = _shop("acme.example"), _shop("acme.example", verified=True)
    assert hosts.storefront_url(pending, "acme.example") == "https://acme.shops.example.com/"
    assert hosts.primary_url(pending) == "https://acme.shops.example.com/"
    assert hosts.storefront_url(verified, "acme.example") == "https://acme.example/"
    assert hosts.primary_url(verified, "/orders/1") == "https://acme.example/orders/1"
    assert hosts.storefront_url(verified, "api.shops.example.com") == "https://acme.example/"


def test_the_api_document_names_the_api_host(aws):
    assert hosts.platform_base("evil.example") == "https://api.shops.example.com"
    assert hosts.platform_base("api.shops.example.com") == "https://api.shops.example.com"


def test_locally_the_local_server_is_plain_http_with_its_port(monkeypatch):
    monkeypatch.setattr(settings, "LOCAL", True)
    monkeypatch.setattr(settings, "STOREFRONT_DOMAIN", "localhost")
    monkeypatch.setattr(settings, "LOCAL_PORT", 8000)
    assert hosts.storefront_url(_shop(), "127.0.0.1:9000") == "http://127.0.0.1:9000/s/acme/"
    assert hosts.storefront_url(_shop(), "acme.localhost:9000") == "http://acme.localhost:9000/"
    assert hosts.primary_url(_shop()) == "http://acme.localhost:8000/"
    assert hosts.storefront_url(_shop(), "evil.example:8000") == "http://acme.localhost:8000/"
