"""`GET /openapi.json`: every route of the app, with the very request schemas the validator runs."""

import copy

import pytest
from openapi_spec_validator import validate

from chalicelib import openapi, schemas, validation


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
    assert document["paths"][path][method]["requestBody"]["content"]["application/json"]["schema"] == schema


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
    assert paths["/s/{subdomain}/products/{handle}"]["get"]["responses"]["200"]["content"] == {"text/html": {}}
    for ops in paths.values():
        for op in ops.values():
            assert "4XX" in op["responses"]
