"""Schemathesis fuzzes every operation of the served `/openapi.json`, signed in as a merchant.

The local server (as `make run` serves it) answers over HTTP, on the host of a shop with one of everything;
each operation gets at most 25 generated requests, valid ones and ones that break the request schema, their
path parameters generated or (so the calls reach past the 404) the shop's own ids. No answer may be a 5xx,
and every answer must fit the schema the document publishes for its status (429, a rate limit, is a 4XX
like the others), closed as the API tests close it (tests/support/contract.py): no field it does not describe.
"""

import importlib

import pytest
import requests
import schemathesis
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import response_schema_conformance

from chalicelib import openapi
from tests.support.contract import Contract
from tests.support.full_shop import FullShop

pytestmark = pytest.mark.xdist_group("fuzz")
EXAMPLES_PER_OPERATION = 25
CHECKS = [not_a_server_error, response_schema_conformance]


def _operations() -> list[str]:
    """The operations as the app registers them (collection time, before any server runs); the served
    document is checked to list exactly these."""
    importlib.import_module("app")  # its import registers the routes
    labels = [f"{method.upper()} {path.replace('+}', '}')}" for path, method in openapi.documented()]
    # Deletes late: they take ids; logging out and changing the password last: they end the merchant's token.
    ends_session = ("POST /api/auth/logout", "POST /api/auth/password")
    return sorted(labels, key=lambda label: (label in ends_session, label.startswith("DELETE "), label))


@pytest.fixture(scope="module")
def target(app, stripe, live_server):
    """The served document, and the shop whose merchant fuzzes it."""
    from chalice.test import Client

    from tests.support.api import Api

    with Client(app) as client:
        shop = FullShop(Api(client), stripe, "Fuzzed")
    document = requests.get(f"{live_server}/openapi.json", timeout=30).json()
    served = {f"{method.upper()} {path}" for path, methods in document["paths"].items() for method in methods}
    assert served == set(_operations())
    port = live_server.rsplit(":", 1)[1]
    return {
        "schema": schemathesis.openapi.from_dict(document),
        "contract": Contract(document),
        "base_url": live_server,
        "ids": shop.path_ids(),
        "headers": {"Authorization": f"Bearer {shop.token}", "Host": f"{shop.subdomain}.localhost:{port}"},
    }


@pytest.mark.parametrize("label", _operations())
def test_fuzzing_the_operation_finds_no_server_error_and_no_answer_off_its_schema(target, label, record_property):
    method, path = label.split(" ", 1)
    operation = target["schema"][path][method]
    names = [name for name in target["ids"] if f"{{{name}}}" in path]
    own = {name: target["ids"][name] for name in names}
    generated = {"subdomain": own["subdomain"]} if "subdomain" in own else None
    cases = st.one_of(
        operation.as_strategy(schemathesis.GenerationMode.POSITIVE, path_parameters=own),
        operation.as_strategy(schemathesis.GenerationMode.NEGATIVE, path_parameters=own),
        operation.as_strategy(schemathesis.GenerationMode.POSITIVE, path_parameters=generated),
    )
    ran = []

    @settings(
        max_examples=EXAMPLES_PER_OPERATION,
        deadline=None,
        database=None,
        phases=[Phase.generate],
        suppress_health_check=list(HealthCheck),
    )
    @given(case=cases)
    def fuzz(case):
        ran.append(case)
        response = case.call(base_url=target["base_url"], headers=target["headers"], timeout=60)
        case.validate_response(response, checks=CHECKS, headers=target["headers"])
        content_type = next(iter(response.headers.get("content-type", [])), None)
        target["contract"].check(method, path, response.status_code, content_type, response.content)

    fuzz()
    record_property("tally", ("fuzz cases run", len(ran)))
