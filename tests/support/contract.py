"""Every answer the API tests get is checked against the contract the app publishes at /openapi.json.

The published schemas stay open to new fields (a client must tolerate them); the check closes them: an
object answered with a field its schema does not describe fails, so the document cannot fall behind the code.
"""

import copy
import json
from urllib.parse import quote, urlsplit

from jsonschema import Draft202012Validator
from referencing import Registry
from referencing.jsonschema import DRAFT202012

_URI = "urn:shop-builder:openapi"


class ContractError(AssertionError):
    pass


class Contract:
    def __init__(self, document: dict):
        self.document = document
        closed = copy.deepcopy(document)
        for schema in _schemas(closed):
            _close(schema)
        self._closed = closed
        self._registry = Registry().with_resource(_URI, DRAFT202012.create_resource(closed))
        self._validators: dict[tuple[str, ...], Draft202012Validator] = {}

    def template(self, path: str) -> str:
        """The document's path template for a concrete path, as API Gateway picks it: literal segments win
        over parameters, and a path no template fits goes to the greedy catch-all (the lone-parameter path)."""
        path = urlsplit(path).path
        if path != "/" and path.endswith("/"):
            path = path[:-1]
        parts = path.split("/")
        best = None
        for template in self._closed["paths"]:
            t_parts = template.split("/")
            if len(t_parts) != len(parts) or not all(_fits(t, p) for t, p in zip(t_parts, parts, strict=True)):
                continue
            rank = [_is_param(t) for t in t_parts]  # False (a literal) sorts first
            if best is None or rank < best[0]:
                best = (rank, template)
        if best:
            return best[1]
        greedy = [t for t in self._closed["paths"] if t.count("/") == 1 and _is_param(t[1:])]
        if not greedy:
            raise ContractError(f"no path of /openapi.json matches {path}")
        return greedy[0]

    def check(self, method: str, path: str, status: int, content_type: str | None, body: bytes | str) -> None:
        text = body.decode() if isinstance(body, bytes) else (body or "")
        if content_type is None and _from_the_gateway(status, text):
            return
        template = self.template(path)
        operation = self._closed["paths"][template].get(method.lower())
        where = f"{method.upper()} {template}"
        if operation is None:
            raise ContractError(f"{where} is not in /openapi.json")
        key = next((k for k in (str(status), f"{status // 100}XX", "default") if k in operation["responses"]), None)
        if key is None:
            raise ContractError(f"{where} answered {status}, which /openapi.json does not list")
        content = operation["responses"][key].get("content")
        if not content:
            if text:
                raise ContractError(f"{where} answered {status} with a body /openapi.json does not describe")
            return
        media = (content_type or "").split(";")[0].strip()
        if media not in content:
            raise ContractError(f"{where} answered {status} as {media or 'no type'}; /openapi.json: {sorted(content)}")
        if media != "application/json" or "schema" not in content[media]:
            return
        pointer = ("paths", template, method.lower(), "responses", key, "content", media, "schema")
        found = self._validator(pointer).iter_errors(json.loads(text))
        errors = sorted(map(_deepest, found), key=lambda e: [str(p) for p in e.absolute_path])
        if errors:
            details = "\n".join(
                f"  at {'/'.join(map(str, e.absolute_path)) or '(top)'}: {e.message}" for e in errors[:5]
            )
            raise ContractError(f"{where} answered {status} off its published schema:\n{details}")

    def _validator(self, pointer: tuple[str, ...]) -> Draft202012Validator:
        if pointer not in self._validators:
            escaped = "/".join(part.replace("~", "~0").replace("/", "~1") for part in pointer)
            ref = {"$ref": f"{_URI}#/{quote(escaped)}"}
            self._validators[pointer] = Draft202012Validator(ref, registry=self._registry)
        return self._validators[pointer]


def _from_the_gateway(status: int, text: str) -> bool:
    """chalice.test answers some requests itself, not the app: a path it cannot route (API Gateway's greedy
    route takes those to the app's catch-all; with an `Authorization` header it answers as API Gateway does
    to a token it cannot read as AWS's signature) and a method the route lacks (API Gateway refuses that too)."""
    unrouted = text == '{"message": "Missing Authentication Token"}' or text.startswith(
        '{"message": "Authorization header requires \'Credential\' parameter.'
    )
    return (status == 403 and unrouted) or (status == 405 and '"MethodNotAllowedError"' in text)


def _deepest(error):
    """For a failed `anyOf` (a nullable object, say), the error of the branch that came closest: one whose
    type matched, the deepest."""
    while error.context:
        error = max(error.context, key=lambda e: (e.validator != "type", len(e.absolute_path)))
    return error


def _is_param(segment: str) -> bool:
    return segment.startswith("{") and segment.endswith("}")


def _fits(template_segment: str, segment: str) -> bool:
    return _is_param(template_segment) and segment != "" or template_segment == segment


def _schemas(document: dict):
    """The response schemas of every operation, and the named component schemas they refer to."""
    yield from document.get("components", {}).get("schemas", {}).values()
    for operations in document["paths"].values():
        for operation in operations.values():
            for response in operation["responses"].values():
                for media in response.get("content", {}).values():
                    if "schema" in media:
                        yield media["schema"]


def _close(schema) -> None:
    """Objects without a word on other fields take none; recursively."""
    if not isinstance(schema, dict):
        return
    types = schema.get("type")
    is_object = types == "object" or (isinstance(types, list) and "object" in types) or "properties" in schema
    if is_object and "additionalProperties" not in schema and "patternProperties" not in schema:
        schema["additionalProperties"] = False
    for value in schema.get("properties", {}).values():
        _close(value)
    for key in ("items", "additionalProperties", "propertyNames"):
        _close(schema.get(key))
    for key in ("anyOf", "oneOf", "allOf", "prefixItems"):
        for sub in schema.get(key, []):
            _close(sub)


_published: dict[str, Contract] = {}


def published(client) -> Contract:
    """The contract the app under test serves, read once through a chalice.test client."""
    if "contract" not in _published:
        answer = client.http.get("/openapi.json", headers={"host": "localhost"})
        _published["contract"] = Contract(json.loads(answer.body))
    return _published["contract"]
