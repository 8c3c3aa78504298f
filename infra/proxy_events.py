"""API Gateway (REST, Lambda proxy) events for the Chalice app, as API Gateway sends them.

The deploy rehearsal drives the deployed handler with these (moto cannot serve the API), and
the bench uses them to time the Lambda handler itself, without any HTTP server in between.
"""

import json
import uuid
from urllib.parse import parse_qs, unquote, urlsplit


class Gateway:
    """Matches paths to the app's routes as API Gateway does (a literal segment beats a
    parameter; `{proxy+}` takes the rest) and calls the handler with the event."""

    def __init__(self, app, handler, stage: str = "api"):
        self.handler = handler
        self.stage = stage
        self._routes = [(r, r.strip("/").split("/") if r != "/" else []) for r in app.routes if "{proxy+}" not in r]

    def _match(self, path: str) -> tuple[str, dict | None, dict]:
        parts = urlsplit(path)
        segments = [unquote(p) for p in parts.path.strip("/").split("/")] if parts.path.strip("/") else []
        query = parse_qs(parts.query, keep_blank_values=True)
        best = None
        for route, template in self._routes:
            if len(template) != len(segments):
                continue
            captured, literal = {}, 0
            for t, s in zip(template, segments, strict=False):
                if t.startswith("{") and t.endswith("}"):
                    captured[t[1:-1]] = s
                elif t == s:
                    literal += 1
                else:
                    break
            else:
                if best is None or literal > best[2]:
                    best = (route, captured, literal)
        if best is None:  # API Gateway's greedy route takes every other path
            return "/{proxy+}", {"proxy": "/".join(segments)}, query
        return best[0], best[1] or None, query

    def event(self, method: str, path: str, *, host: str, headers: dict | None = None, body=None) -> dict:
        route, params, query = self._match(path)
        all_headers = {
            "host": host,
            "x-forwarded-proto": "https",
            "x-forwarded-for": "203.0.113.7",
            "user-agent": "rehearsal",
            **({"content-type": "application/json"} if body is not None else {}),
            **(headers or {}),
        }
        return {
            "resource": route,
            "path": urlsplit(path).path,
            "httpMethod": method,
            "headers": all_headers,
            "multiValueHeaders": {k: [v] for k, v in all_headers.items()},
            "queryStringParameters": {k: v[-1] for k, v in query.items()} or None,
            "multiValueQueryStringParameters": query or None,
            "pathParameters": params,
            "stageVariables": None,
            "requestContext": {
                "resourcePath": route,
                "httpMethod": method,
                "stage": self.stage,
                "path": f"/{self.stage}{urlsplit(path).path}",
                "requestId": str(uuid.uuid4()),
                "identity": {"sourceIp": "203.0.113.7"},
                "domainName": host,
            },
            "body": json.dumps(body) if isinstance(body, (dict, list)) else body,
            "isBase64Encoded": False,
        }

    def request(
        self, method: str, path: str, *, host: str, headers: dict | None = None, body=None, context=None
    ) -> dict:
        """The handler's answer: {statusCode, headers, body}."""
        return self.handler(self.event(method, path, host=host, headers=headers, body=body), context)
