"""`make run` for real: the local server in its own process, driven over HTTP like a merchant and a shopper would."""

import os
import socket
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path
from urllib.parse import urlsplit

import pytest
import requests

from tests.support import ROOT
from tests.support.api import PASSWORD

# One server process for the module: its tests stay on one xdist worker.
pytestmark = pytest.mark.xdist_group("local_server")
OPERATOR = ("ops@e2e.test", "operator e2e password")


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="module")
def server():
    """Starts `python infra/local/server.py` as `make run` does (PORT set), from a clean environment."""
    port = _free_port()
    env = {k: v for k, v in os.environ.items() if k in ("PATH", "HOME", "LANG", "LC_ALL", "TMPDIR", "SYSTEMROOT")}
    env.update(
        {
            "PORT": str(port),
            "STRIPE_EMULATOR_PORT": str(_free_port()),
            "PYTHONUNBUFFERED": "1",
            "OPERATOR_EMAIL": OPERATOR[0],
            "OPERATOR_PASSWORD": OPERATOR[1],
        }
    )
    log = tempfile.NamedTemporaryFile("w+", prefix="make-run-", suffix=".log", delete=False)
    proc = subprocess.Popen(
        [sys.executable, "infra/local/server.py"], cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT
    )
    base = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 120
    try:
        while True:
            if proc.poll() is not None:
                pytest.fail(f"the server exited with {proc.returncode}:\n{Path(log.name).read_text()[-3000:]}")
            try:
                if requests.get(f"{base}/healthz", timeout=2).status_code == 200:
                    break
            except requests.ConnectionError:
                pass
            if time.monotonic() > deadline:
                pytest.fail(f"no /healthz within 120 s:\n{Path(log.name).read_text()[-3000:]}")
            time.sleep(0.2)
        yield {"base": base, "port": port, "log": log.name}
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=15)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
        log.close()
        os.unlink(log.name)


def _on_shop_host(server, sub: str) -> dict:
    return {"Host": f"{sub}.localhost:{server['port']}"}


def test_healthz_and_the_api_document_answer(server):
    assert requests.get(f"{server['base']}/healthz", timeout=10).json()["status"] == "ok"
    assert requests.get(f"{server['base']}/openapi.json", timeout=10).json()["paths"]["/api/merchants/signup"]


def test_start_up_prints_where_each_kind_of_user_goes(server):
    printed = Path(server["log"]).read_text()
    port = server["port"]
    assert f"http://localhost:{port}/s/acme/" in printed
    assert f"http://acme.localhost:{port}/" in printed
    assert "/api/admin/" in printed and "/api/operator/" in printed
    assert "merchant@acme.test" in printed and OPERATOR[0] in printed
    # The merchant's first stop is the web admin; the outbox is where a reset link is followed by hand.
    assert f"Merchant   http://localhost:{port}/admin " in printed
    assert f"http://localhost:{port}/_outbox " in printed and f"http://localhost:{port}/_outbox.json" in printed


def test_the_outbox_shows_every_email_sent_with_its_links_working(server):
    base, email = server["base"], "merchant@acme.test"
    assert requests.post(f"{base}/api/auth/password-reset", json={"email": email}, timeout=10).status_code == 202

    sent = requests.get(f"{base}/_outbox.json", timeout=10)
    assert sent.status_code == 200 and sent.headers["Cache-Control"] == "private, no-store"
    newest = sent.json()["items"][0]
    assert newest["to"] == [email] and "reset your password" in newest["subject"]
    assert set(newest) == {"to", "subject", "headers", "text", "html", "sent_at"}
    link = next(w for w in newest["text"].split() if "password-reset?token=" in w)
    assert f'href="{link}"' in newest["html"]

    page = requests.get(f"{base}/_outbox", timeout=10)
    assert page.status_code == 200 and page.headers["Content-Type"].startswith("text/html")
    assert f'<a href="{link}">' in page.text and "script-src" not in page.headers["Content-Security-Policy"]
    # The link works: it opens the reset page on the shop's host (*.localhost, given as the Host header here).
    url = urlsplit(link)
    opened = requests.get(f"{base}{url.path}?{url.query}", headers={"Host": url.netloc}, timeout=10)
    assert opened.status_code == 200 and "password" in opened.text.lower()


def test_the_demo_shop_acme_is_seeded(server):
    base = server["base"]
    for url, headers in ((f"{base}/s/acme/", {}), (f"{base}/", _on_shop_host(server, "acme"))):
        page = requests.get(url, headers=headers, timeout=10)
        assert page.status_code == 200 and "Acme Outfitters" in page.text and "Classic Organic Tee" in page.text
    products = requests.get(f"{base}/s/acme/api/store/products", timeout=10).json()["items"]
    assert len(products) >= 3
    assert all(p["variants"] and p["images"] for p in products)
    image = requests.get(base + products[0]["images"][0]["urls"]["medium"], timeout=10)
    assert image.status_code == 200 and image.headers["Content-Type"].startswith("image/")
    login = requests.post(
        f"{base}/api/auth/login", timeout=10, json={"email": "merchant@acme.test", "password": "acme-demo-password"}
    )
    assert login.status_code == 200


def test_the_operator_from_the_environment_can_sign_in(server):
    r = requests.post(
        f"{server['base']}/api/auth/login", json={"email": OPERATOR[0], "password": OPERATOR[1]}, timeout=10
    )
    assert r.status_code == 200
    tenants = requests.get(
        f"{server['base']}/api/operator/tenants", timeout=10, headers={"Authorization": f"Bearer {r.json()['token']}"}
    )
    assert "acme" in [t["subdomain"] for t in tenants.json()["items"]]


def test_signup_then_a_product_then_both_storefront_forms(server):
    base, sub = server["base"], f"e2e{uuid.uuid4().hex[:8]}"
    signup = requests.post(
        f"{base}/api/merchants/signup",
        timeout=30,
        json={"email": f"{sub}@example.com", "password": PASSWORD, "shop_name": "E2E Goods", "subdomain": sub},
    )
    assert signup.status_code == 201, signup.text
    assert signup.json()["shop"]["storefront_url"] == f"{base}/s/{sub}/"
    auth = {"Authorization": f"Bearer {signup.json()['token']}"}
    created = requests.post(
        f"{base}/api/admin/products",
        headers=auth,
        timeout=30,
        json={
            "title": "Field Notebook",
            "status": "active",
            "variants": [{"sku": "NB-1", "price": 1250, "inventory_quantity": 7, "options": {"Paper": "Dotted"}}],
        },
    )
    assert created.status_code == 201, created.text

    for prefix, headers in ((f"{base}/s/{sub}", {}), (base, _on_shop_host(server, sub))):
        home = requests.get(f"{prefix}/", headers=headers, timeout=10)
        assert home.status_code == 200 and "E2E Goods" in home.text and "Field Notebook" in home.text
        page = requests.get(f"{prefix}/products/field-notebook", headers=headers, timeout=10)
        assert page.status_code == 200 and "$12.50" in page.text
        listed = requests.get(f"{prefix}/api/store/products", headers=headers, timeout=10).json()
        assert [p["title"] for p in listed["items"]] == ["Field Notebook"]
        missing = requests.get(f"{prefix}/no/such/page", headers=headers, timeout=10)
        assert missing.status_code == 404 and "E2E Goods" in missing.text


def test_unknown_shops_and_api_paths_get_404s(server):
    base = server["base"]
    assert requests.get(f"{base}/s/nosuchshop404/", timeout=10).status_code == 404
    assert requests.get(f"{base}/", headers=_on_shop_host(server, "nosuchshop404"), timeout=10).status_code == 404
    r = requests.get(f"{base}/api/no/such/thing", timeout=10)
    assert r.status_code == 404 and r.json()["message"]
