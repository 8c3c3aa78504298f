"""`GET /openapi.json`: every route of the app, with the very request schemas the validator runs."""

import copy
import json
import re

import pytest
from openapi_spec_validator import validate

from chalicelib import openapi, schemas, validation
from tests.support.contract import Contract, ContractError


@pytest.fixture
def document(api):
    r = api.get("/openapi.json")
    assert r.status_code == 200 and r.headers["Content-Type"].startswith("application/json")
    return r.json


def _app_routes(app) -> set[tuple[str, str]]:
    return {(path.replace("+}", "}"), method.lower()) for path, methods in app.routes.items() for method in methods}


def test_every_route_of_the_app_is_in_the_document(app, document):
    published = {(path, method) for path, ops in document["paths"].items() for method in ops}
    missing = _app_routes(app) - published
    assert not missing, sorted(missing)


def test_the_document_lists_no_route_the_app_does_not_have(app, document):
    published = {(path, method) for path, ops in document["paths"].items() for method in ops}
    assert published - _app_routes(app) == set()


def test_the_document_is_a_valid_openapi_3_document(document):
    assert document["openapi"].startswith("3.1")
    validate(copy.deepcopy(document))


def test_the_server_url_is_the_host_the_request_came_in_on(api):
    doc = api.as_(host="localhost:8123").get("/openapi.json").json
    assert doc["servers"] == [{"url": "http://localhost:8123"}]


@pytest.mark.parametrize(
    "path, method, schema",
    [
        ("/api/merchants/signup", "post", schemas.SIGNUP),
        ("/api/auth/login", "post", schemas.LOGIN),
        ("/api/admin/products", "post", schemas.PRODUCT_CREATE),
        ("/api/admin/products/{product_id}", "patch", schemas.PRODUCT_PATCH),
    ],
)
def test_the_published_request_schema_is_the_validators_own_object(document, path, method, schema):
    registered = openapi._operations[(path, method)]["requestBody"]["content"]["application/json"]["schema"]
    assert registered is schema
    published = document["paths"][path][method]["requestBody"]["content"]["application/json"]["schema"]
    assert _inlined(document, published) == schema


def _inlined(document: dict, node):
    """`node` with every `$ref` to a component replaced by the component, recursively."""
    if isinstance(node, dict):
        if set(node) == {"$ref"}:
            return _inlined(document, document["components"]["schemas"][node["$ref"].rsplit("/", 1)[1]])
        return {k: _inlined(document, v) for k, v in node.items()}
    if isinstance(node, list):
        return [_inlined(document, v) for v in node]
    return node


def test_creating_a_product_validates_against_the_published_schema(merchant, monkeypatch):
    shop_api, _ = merchant
    used = []
    real_check = validation.check

    def spy(body, schema):
        used.append(schema)
        return real_check(body, schema)

    monkeypatch.setattr(validation, "check", spy)
    shop_api.post(
        "/api/admin/products",
        {"title": "Spy", "status": "active", "variants": [{"sku": "S", "price": 1, "inventory_quantity": 1}]},
    )
    published = openapi._operations[("/api/admin/products", "post")]["requestBody"]["content"]["application/json"]
    assert used and used[0] is published["schema"]


def test_the_contract_calls_publish_their_answers(document):
    paths = document["paths"]
    assert "201" in paths["/api/merchants/signup"]["post"]["responses"]
    assert "201" in paths["/api/admin/products"]["post"]["responses"]
    assert "204" in paths["/api/admin/products/{product_id}"]["delete"]["responses"]
    listed = paths["/api/admin/products"]["get"]["responses"]["200"]["content"]["application/json"]["schema"]
    assert set(listed["properties"]) == {"items", "next"}
    assert listed["properties"]["items"]["items"] == {"$ref": "#/components/schemas/Product"}
    assert paths["/s/{subdomain}/products/{handle}"]["get"]["responses"]["200"]["content"] == {"text/html": {}}
    for ops in paths.values():
        for op in ops.values():
            assert "4XX" in op["responses"] and "5XX" in op["responses"]


def test_each_operation_is_named_after_its_view_once(document):
    ids = [op["operationId"] for ops in document["paths"].values() for op in ops.values()]
    assert len(ids) == len(set(ids))
    paths = document["paths"]
    assert paths["/api/admin/products"]["post"]["operationId"] == "create_product"
    assert paths["/api/store/carts/{cart_id}"]["get"]["operationId"] == "get_cart"
    assert paths["/s/{subdomain}/api/store/carts/{cart_id}"]["get"]["operationId"] == "get_cart_by_subdomain"


def test_merchant_and_operator_calls_take_the_bearer_token_and_the_rest_do_not(document):
    bearer = document["components"]["securitySchemes"]["bearer"]
    assert (bearer["type"], bearer["scheme"]) == ("http", "bearer")
    for path, ops in document["paths"].items():
        for op in ops.values():
            # Logging out and changing the password act on the signed-in account too.
            signed_in = path.startswith(("/api/admin/", "/api/operator/")) or path in (
                "/api/auth/logout",
                "/api/auth/password",
            )
            assert op.get("security") == ([{"bearer": []}] if signed_in else None), path


def test_schemas_are_published_once_as_components_named_after_their_constants(document):
    components = document["components"]["schemas"]
    assert {"Product", "ProductCreate", "Order", "Return", "Tenant", "Usage", "Error"} <= set(components)
    product = document["paths"]["/api/admin/products/{product_id}"]["get"]["responses"]["200"]
    assert product["content"]["application/json"]["schema"] == {"$ref": "#/components/schemas/Product"}
    assert components["Product"]["properties"]["variants"]["items"] == {"$ref": "#/components/schemas/Variant"}
    assert _inlined(document, {"$ref": "#/components/schemas/ProductCreate"}) == schemas.PRODUCT_CREATE


def test_an_answer_off_the_document_fails_the_api_tests(document):
    """What the Api wrapper of every API test runs on every answer (tests/support/contract.py)."""
    check = Contract(document).check
    usage = {"orders": 1, "gmv": 1999, "currency": "USD", "products": 2, "requests": 10}
    tenant = {"id": "t", "subdomain": "s", "plan": "starter", "status": "active", "created_at": "x", "usage": usage}

    def tenants(**changes):
        return json.dumps({"items": [{**tenant, **changes}], "next": None})

    check("GET", "/api/operator/tenants?limit=5", 200, "application/json", tenants())
    with pytest.raises(ContractError, match="usage: 'orders' is a required property"):
        check("GET", "/api/operator/tenants", 200, "application/json", tenants(usage={}))
    with pytest.raises(ContractError, match="'surprise' was unexpected"):
        check("GET", "/api/operator/tenants", 200, "application/json", tenants(surprise=1))
    with pytest.raises(ContractError, match="'paused' is not one of"):
        check("GET", "/api/operator/tenants", 200, "application/json", tenants(status="paused"))
    with pytest.raises(ContractError, match="answered 302, which /openapi.json does not list"):
        check("GET", "/api/operator/tenants", 302, "application/json", "{}")
    with pytest.raises(ContractError, match="'message' is a required property"):
        check("GET", "/api/operator/tenants", 403, "application/json", json.dumps({"error": "no"}))
    with pytest.raises(ContractError, match="PUT /api/operator/tenants is not in /openapi.json"):
        check("PUT", "/api/operator/tenants", 200, "application/json", "{}")
    with pytest.raises(ContractError, match="as text/html"):
        check("GET", "/api/admin/shop", 200, "text/html; charset=utf-8", "<p>")
    check("GET", "/s/acme/products/blue", 200, "text/html; charset=utf-8", "<p>")
    check("GET", "/s/acme/no/such/page", 404, "text/html; charset=utf-8", "<p>")  # the greedy catch-all


def test_the_browsable_reference_and_every_file_it_loads_answer(api):
    page = api.get("/docs")
    assert page.status_code == 200 and page.headers["Content-Type"].startswith("text/html")
    assert "frame-ancestors 'none'" in page.headers["Content-Security-Policy"]
    assert 'data-document="/openapi.json"' in page.text
    loaded = re.findall(r'(?:src|rel="stylesheet" href)="([^"]+)"', page.text)
    assert sorted(loaded) == ["/docs/reference.js", "/docs/swagger-ui-bundle.js", "/docs/swagger-ui.css"]
    types = {}
    for path in loaded:
        r = api.get(path)
        assert r.status_code == 200 and len(r.body) > 100, path
        types[path] = r.headers["Content-Type"].split(";")[0]
    assert types["/docs/swagger-ui.css"] == "text/css" and types["/docs/reference.js"] == "text/javascript"
    for missing in ("/docs/index.html", "/docs/swagger-ui-standalone-preset.js", "/docs/..%2F__init__.py"):
        assert api.get(missing).status_code == 404, missing


@pytest.mark.parametrize(
    "path", ["/api/merchants/signup", "/api/auth/login", "/api/auth/password-reset", "/api/store/orders/lookup"]
)
def test_a_rate_limited_route_declares_its_429_and_retry_after(document, path):
    answer = document["paths"][path]["post"]["responses"]["429"]
    assert answer["headers"]["Retry-After"]["required"] is True
    assert "application/json" in answer["content"]


def test_lists_declare_the_query_parameters_they_read(document):
    def query(path):
        return {p["name"] for p in document["paths"][path]["get"].get("parameters", []) if p["in"] == "query"}

    assert query("/api/admin/orders") == {"limit", "cursor", "financial_status", "fulfillment_status", "q"}
    assert query("/api/admin/products") == {"limit", "cursor", "status", "q"}
    assert query("/api/store/products") == {"limit", "cursor"}
    assert query("/api/admin/returns") == {"limit", "cursor", "status"}
