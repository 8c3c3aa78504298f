"""The OpenAPI 3 document, built from the routes as they are registered."""

import re

from . import schemas

_operations: dict[tuple[str, str], dict] = {}


def register(
    path: str,
    method: str,
    *,
    summary: str,
    request: dict | None,
    response: dict | None,
    status: int,
    tag: str,
    html: bool = False,
) -> None:
    op = {"summary": summary, "tags": [tag], "responses": {}}
    params = re.findall(r"{(\w+)\+?}", path)
    if params:
        op["parameters"] = [{"name": p, "in": "path", "required": True, "schema": {"type": "string"}} for p in params]
    if request is not None:
        op["requestBody"] = {"required": True, "content": {"application/json": {"schema": request}}}
    if html:
        op["responses"][str(status)] = {"description": "HTML page", "content": {"text/html": {}}}
    elif response is not None:
        op["responses"][str(status)] = {"description": "OK", "content": {"application/json": {"schema": response}}}
    else:
        op["responses"][str(status)] = {"description": "OK"}
    op["responses"]["4XX"] = {"description": "Client error", "content": {"application/json": {"schema": schemas.ERROR}}}
    _operations[(path, method.lower())] = op


def document(server_url: str) -> dict:
    paths: dict[str, dict] = {}
    for (path, method), op in sorted(_operations.items()):
        paths.setdefault(path.replace("+}", "}"), {})[method] = op
    return {
        # 3.1: its Schema Object is JSON Schema, as ours are (type lists such as ["string", "null"],
        # propertyNames); 3.0's subset refuses those, so a 3.0 document with them was invalid.
        "openapi": "3.1.0",
        "info": {
            "title": "Shop builder API",
            "version": "1.0.0",
            "description": "Public HTTP contract: merchants, storefront, operator.",
        },
        "servers": [{"url": server_url}],
        "components": {"securitySchemes": {"bearer": {"type": "http", "scheme": "bearer"}}},
        "paths": paths,
    }


def documented() -> set[tuple[str, str]]:
    return set(_operations)
