"""The OpenAPI 3.1 document, built from the routes as they are registered.

Every schema constant of `chalicelib.schemas` is published once, under its name in CamelCase
(`SIGNUP_RESPONSE` -> `SignupResponse`) in `components/schemas`, and referred to by `$ref` wherever a route
or another schema uses it. Routes under /api/admin/ and /api/operator/, and logout and password change, take
the bearer token.
"""

import re
from http import HTTPStatus
from typing import Any

from . import schemas

_operations: dict[tuple[str, str], dict] = {}
_views: dict[tuple[str, str], str] = {}
SIGNED_IN = ("/api/admin/", "/api/operator/")
SIGNED_IN_ROUTES = ("/api/auth/logout", "/api/auth/password")  # the account's own session and password
PATH_FORM = "/s/{subdomain}"


def register(
    path: str,
    method: str,
    *,
    view: str,
    summary: str,
    tag: str,
    request: dict | None = None,
    response: dict | None = None,
    status: int | tuple[int, ...] = 200,
    html: bool = False,
    media: tuple[str, ...] = (),
    query: dict[str, dict] | None = None,
    throttled: bool = False,
) -> None:
    """`status`: the success status, or all of them (`(201, 200)`: created, or already there).
    `html`: the route answers pages (and its errors are pages); with a `response` schema as well, it
    answers JSON or a page depending on the path (the catch-all). `media`: other content types it answers.
    `query`: the optional query parameters it reads, name -> schema. `throttled`: a rate limit guards it (429)."""
    op: dict[str, Any] = {"summary": summary, "tags": [tag], "responses": {}}
    params = [
        {"name": p, "in": "path", "required": True, "schema": {"type": "string"}}
        for p in re.findall(r"{(\w+)\+?}", path)
    ]
    params += [
        {"name": name, "in": "query", "required": False, "schema": schema} for name, schema in (query or {}).items()
    ]
    if params:
        op["parameters"] = params
    if request is not None:
        op["requestBody"] = {"required": True, "content": {"application/json": {"schema": request}}}
    content: dict[str, dict] = {"text/html": {}} if html else {}
    content.update({m: {} for m in media})
    if response is not None:
        content["application/json"] = {"schema": response}
    for code in status if isinstance(status, tuple) else (status,):
        op["responses"][str(code)] = {
            "description": HTTPStatus(code).phrase,
            **({"content": content} if content else {}),
        }
    errors = {"text/html": {}} if html else {"application/json": {"schema": schemas.ERROR}}
    if throttled:
        op["responses"]["429"] = {
            "description": "Rate limited: try again once the window ends",
            "headers": {
                "Retry-After": {
                    "required": True,
                    "description": "Seconds until the window ends",
                    "schema": {"type": "integer", "minimum": 0},
                }
            },
            "content": errors,
        }
    op["responses"]["4XX"] = {"description": "Client error", "content": errors}
    op["responses"]["5XX"] = {"description": "Server error, or the service or shop is unavailable", "content": errors}
    if path.startswith(SIGNED_IN) or path in SIGNED_IN_ROUTES:
        op["security"] = [{"bearer": []}]
    _operations[(path, method.lower())] = op
    _views[(path, method.lower())] = view


def document(server_url: str) -> dict:
    components: dict[str, dict] = {}
    names = {id(value): _camel(name) for name, value in vars(schemas).items() if name.isupper() and type(value) is dict}
    ids = _operation_ids()
    paths: dict[str, dict] = {}
    for (path, method), op in sorted(_operations.items()):
        published = _referenced(op, names, components)
        paths.setdefault(path.replace("+}", "}"), {})[method] = {"operationId": ids[(path, method)], **published}
    return {
        # 3.1: its Schema Object is JSON Schema, as ours are (type lists such as ["string", "null"],
        # propertyNames); 3.0's subset refuses those, so a 3.0 document with them was invalid.
        "openapi": "3.1.0",
        "info": {
            "title": "Shop builder API",
            "version": "1.0.0",
            "description": "Public HTTP contract: merchants, storefront, operator. Browsable at /docs; "
            "docs/api.md in the repository says what holds for every route.",
        },
        "servers": [{"url": server_url}],
        "components": {
            "securitySchemes": {
                "bearer": {
                    "type": "http",
                    "scheme": "bearer",
                    "description": "The token from signup or login (a merchant's, or the operator's)",
                }
            },
            "schemas": dict(sorted(components.items())),
        },
        "paths": paths,
    }


def documented() -> set[tuple[str, str]]:
    return set(_operations)


def _camel(constant: str) -> str:
    return "".join(part.capitalize() for part in constant.split("_"))


def _referenced(node, names: dict[int, str], components: dict[str, dict], *, top: bool = True):
    """A copy of `node` in which every named schema is a `$ref` to its component, added on first sight."""
    if isinstance(node, dict):
        name = names.get(id(node))
        if name and not top:
            if name not in components:
                components[name] = {}  # taken before the walk: a schema that names itself stays one component
                components[name] = _referenced(node, names, components)
            return {"$ref": f"#/components/schemas/{name}"}
        return {k: _referenced(v, names, components, top=False) for k, v in node.items()}
    if isinstance(node, list):
        return [_referenced(v, names, components, top=False) for v in node]
    return node


def _operation_ids() -> dict[tuple[str, str], str]:
    """The view function's name; a view serving several methods adds the method, and a storefront view's
    `/s/{subdomain}` form adds `_by_subdomain`."""
    views: dict[str, list[tuple[str, str]]] = {}
    for key, view in _views.items():
        views.setdefault(view, []).append(key)
    ids = {}
    for view, keys in views.items():
        several_methods = len({method for _, method in keys}) > 1
        for path, method in keys:
            suffix = f"_{method}" if several_methods else ""
            ids[(path, method)] = view + suffix + ("_by_subdomain" if path.startswith(PATH_FORM) else "")
    if len(set(ids.values())) != len(ids):
        raise RuntimeError("Two operations share an operationId")
    return ids
