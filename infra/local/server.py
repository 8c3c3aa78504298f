"""`make run`: the whole platform on one machine.

Emulated AWS (infra/local/runtime.py), the Chalice app behind a local stand-in
for API Gateway and CloudFront, the local Stripe emulator, a seeded demo shop.
"""

import json
import os
import sys
import uuid
from pathlib import Path
from urllib.parse import parse_qs, unquote, urlsplit
from xml.sax.saxutils import escape

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

from chalice.local import (  # noqa: E402
    ChaliceRequestHandler,
    LambdaEventConverter,
    LocalDevServer,
    LocalGateway,
    MatchResult,
    RouteMatcher,
    ThreadedHTTPServer,
    create_local_server,
)

from infra.local import outbox, runtime  # noqa: E402


class _FallbackRouteMatcher(RouteMatcher):
    """`chalice local` cannot match greedy `{proxy+}` routes: send misses to the catch-all, as API Gateway does."""

    def match_route(self, url: str) -> MatchResult:
        try:
            return super().match_route(url)
        except ValueError:
            parts = urlsplit(url)
            return MatchResult(
                "/{proxy+}", {"proxy": unquote(parts.path).lstrip("/")}, parse_qs(parts.query, keep_blank_values=True)
            )


class _EventConverter(LambdaEventConverter):
    """API Gateway gives each request an id (the logs' correlation_id), and its source address is the
    connection's peer (rate limits count per client); `chalice local` gives no id and 127.0.0.1 for everyone."""

    def __init__(self, route_matcher, binary_types, source_ip: str):
        super().__init__(route_matcher, binary_types)
        self.source_ip = source_ip

    def create_lambda_event(self, method, path, headers, body=None):
        event = super().create_lambda_event(method, path, headers, body)
        event["requestContext"]["requestId"] = str(uuid.uuid4())
        event["requestContext"]["identity"]["sourceIp"] = self.source_ip
        return event


class _Gateway(LocalGateway):
    def __init__(self, app_object, config, source_ip: str):
        super().__init__(app_object, config)
        self.event_converter = _EventConverter(
            _FallbackRouteMatcher(list(app_object.routes)), app_object.api.binary_types, source_ip
        )


class _Server(ThreadedHTTPServer):
    """A listen backlog like a real endpoint's: socketserver's 5 resets connections when many shoppers
    connect at once (the checkout race tests send fifty)."""

    request_queue_size = 128


# What CloudFront's SecurityHeadersPolicy adds to media in AWS (infra/resources.json), less HSTS (plain HTTP here).
# Media is served on the shop's own origin here, so a file opened on its own (an SVG) also runs nothing.
_MEDIA_HEADERS = {
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "strict-origin-when-cross-origin",
    "Content-Security-Policy": "default-src 'none'; style-src 'unsafe-inline'; sandbox",
}


class _Handler(ChaliceRequestHandler):
    """Adds what sits beside API Gateway in AWS: media from S3 (CloudFront there) and the browser's uploads to S3
    (`POST /media`, held to their presigned policy), and DNS: `PUT /_dns/txt`
    publishes a TXT record that a custom domain's verification then finds (chalicelib/domains.py). And what
    AWS has no stand-in for: the outbox of every email sent (`/_outbox`, `/_outbox.json`; infra/local/outbox.py)."""

    def __init__(self, request, client_address, server, app_object, config):
        self._app_object = app_object
        self._config = config
        super().__init__(request, client_address, server, app_object=app_object, config=config)

    def setup(self):  # runs inside the base __init__, before the request is handled
        super().setup()
        self.local_gateway = _Gateway(self._app_object, self._config, self.client_address[0])

    def _generic_handle(self):
        path = urlsplit(self.path).path
        if self.command in ("GET", "HEAD") and path.startswith("/media/"):
            return self._media(unquote(path[len("/media/") :]))
        if self.command == "POST" and path in ("/media", "/media/"):
            return self._media_upload()
        if self.command == "PUT" and path == "/_dns/txt":
            return self._publish_txt()
        if self.command in ("GET", "HEAD") and path in ("/_outbox", "/_outbox.json"):
            return self._outbox(as_json=path.endswith(".json"))
        return super()._generic_handle()

    do_GET = do_PUT = do_POST = do_HEAD = do_DELETE = do_PATCH = do_OPTIONS = _generic_handle

    def _not_allowed(self):
        """HTTP methods no route serves: 405 with the methods the path does serve, as a client expects
        (the base handler's 501 says the server does not know the method at all)."""
        route = _FallbackRouteMatcher(list(self._app_object.routes)).match_route(self.path).route
        allowed = ", ".join(sorted(self._app_object.routes.get(route, {})))
        body = json.dumps({"message": f"{self.command} is not allowed here; use {allowed}"}).encode()
        self._send_http_response(405, {"Content-Type": "application/json", "Allow": allowed}, body)

    do_TRACE = _not_allowed

    def _publish_txt(self):
        """`{name, value}`: the local stand-in for adding a TXT record at the domain's DNS host."""
        from chalicelib import domains, validation
        from chalicelib.errors import Invalid

        try:  # read as hostile as any body the app reads
            record = validation.parse_json(self.rfile.read(int(self.headers.get("content-length") or 0)))
            name, value = record["name"], record["value"]
        except (Invalid, ValueError, KeyError, TypeError):
            body = json.dumps({"message": "send {name, value}: the TXT record's name and text"}).encode()
            return self._send_http_response(400, {"Content-Type": "application/json"}, body)
        if not isinstance(name, str) or not isinstance(value, str):
            return self._send_http_response(400, {"Content-Type": "application/json"}, b'{"message": "strings only"}')
        domains.resolver.publish(name, value)
        self._send_http_response(204, {}, b"")

    def _outbox(self, *, as_json: bool):
        mails = runtime.outbox()
        if as_json:
            content_type, body = "application/json", outbox.document(mails)
        else:
            content_type, body = "text/html; charset=utf-8", outbox.page(mails)
        self._send_http_response(200, {"Content-Type": content_type, **outbox.HEADERS}, body)

    def _media_upload(self):
        """A browser's presigned upload, held to its policy, stored and processed (infra/local/media_uploads.py)."""
        from infra.local import media_uploads

        length = int(self.headers.get("content-length") or 0)
        try:
            if length > media_uploads.MAX_BODY:
                raise media_uploads.Refused(
                    400, "EntityTooLarge", "Your proposed upload exceeds the maximum allowed size"
                )
            media_uploads.accept(self.headers.get("content-type", ""), self.rfile.read(length))
        except media_uploads.Refused as refused:
            self.close_connection = True  # a body left unread must not be taken for the next request
            body = f"<Error><Code>{refused.code}</Code><Message>{escape(refused.message)}</Message></Error>".encode()
            return self._send_http_response(refused.status, {"Content-Type": "application/xml", **_MEDIA_HEADERS}, body)
        # S3's answer to a post without success_action_status; the bucket's CORS lets the admin read it.
        self._send_http_response(204, dict(_MEDIA_HEADERS), b"")

    def _media(self, key: str):
        import boto3

        from chalicelib import media

        s3 = boto3.client("s3")
        if not media.is_size(key):  # as CloudFront, which may read the sizes only (infra/resources.json)
            return self._send_http_response(404, {"Content-Type": "text/plain", **_MEDIA_HEADERS}, b"Not found")
        try:
            obj = s3.get_object(Bucket=os.environ["MEDIA_BUCKET"], Key=key)
        except s3.exceptions.NoSuchKey:
            return self._send_http_response(404, {"Content-Type": "text/plain", **_MEDIA_HEADERS}, b"Not found")
        body = obj["Body"].read()
        self._send_http_response(
            200,
            {
                "Content-Type": obj.get("ContentType", "application/octet-stream"),
                "Cache-Control": "public, max-age=3600",
                **_MEDIA_HEADERS,
            },
            body,
        )

    def log_message(self, fmt, *args):
        if os.environ.get("LOCAL_ACCESS_LOG"):
            super().log_message(fmt, *args)


def make_server(app, host: str, port: int) -> LocalDevServer:
    from chalice.config import Config

    config = Config.create(
        chalice_app=app,
        app_name="shopbuilder",
        stage=os.environ.get("STAGE", "local"),
        lambda_timeout=60,
        lambda_memory_size=512,
    )
    create_local_server(app, config, host, port)  # makes the app thread-safe for a threaded server
    return LocalDevServer(app, config, host, port, handler_cls=_Handler, server_cls=_Server)


def start_stripe_emulator(port: int):
    """Stripe stand-in on PORT+1 (STRIPE_EMULATOR_PORT overrides), its signed webhooks sent to this
    server; the app's gateway is pointed at it through the environment. With STRIPE_SECRET_KEY set,
    the real Stripe (test mode) is used instead and nothing starts here."""
    if os.environ.get("STRIPE_SECRET_KEY"):
        return None
    from infra.local import stripe_emulator

    emulator = stripe_emulator.start(
        port=int(os.environ.get("STRIPE_EMULATOR_PORT", port + 1)),
        webhook_url=f"http://127.0.0.1:{port}/api/webhooks/stripe",
    )
    os.environ.update(
        {
            "STRIPE_SECRET_KEY": "sk_test_local",
            "STRIPE_API_BASE": emulator.base_url,
            "STRIPE_WEBHOOK_SECRET": emulator.webhook_secret,
        }
    )
    return emulator


def run_sweeper(app_module, every_seconds: float) -> None:
    """What the `@app.schedule` functions are in AWS: released stock of checkouts whose workflow is gone,
    onboarding started for shops whose start failed, refunds left pending settled."""
    import threading
    import time

    def loop():
        while True:
            time.sleep(every_seconds)
            for sweep in (app_module.sweep_reservations, app_module.sweep_onboarding, app_module.reconcile_refunds):
                try:
                    sweep(runtime.scheduled_event(time.strftime("%Y-%m-%dT%H:%M:%SZ")), None)
                except Exception as e:  # a failed sweep is retried at the next tick, as the schedule would
                    print(f"{sweep.__name__}: {type(e).__name__}: {e}", file=sys.stderr, flush=True)

    threading.Thread(target=loop, name="sweeper", daemon=True).start()


def main() -> None:
    port = int(os.environ.get("PORT", "8000"))
    host = os.environ.get("HOST", "127.0.0.1")
    runtime.start()
    stripe = start_stripe_emulator(port)
    import app as app_module

    runtime.register_app(app_module.app)
    from infra.local import seed

    demo = seed.seed_all(stripe)
    server = make_server(app_module.app, host, port)
    run_sweeper(app_module, float(os.environ.get("SWEEP_INTERVAL_SECONDS", "60")))
    base = f"http://localhost:{port}"
    print(
        f"""
Shop builder is running (emulated AWS in this process; data lives until you stop it).

  Shoppers   {base}/s/{demo["subdomain"]}/   or   http://{demo["subdomain"]}.localhost:{port}/
  Merchant   {base}/admin   start here: the web admin (or sign up a shop of your own there)
             email {demo["email"]}   password {demo["password"]}
             API {base}/api/admin/  (login: POST {base}/api/auth/login)
  Operator   API {base}/api/operator/tenants
             email {demo["operator_email"]}   password {demo["operator_password"]}
  Outbox     {base}/_outbox   every email sent (password resets, orders); as JSON {base}/_outbox.json
  API docs   {base}/openapi.json
  Payments   {
            "Stripe emulator " + stripe.base_url + " (the payment page: Pay or Decline)"
            if stripe
            else "Stripe (STRIPE_SECRET_KEY)"
        }

Ctrl-C stops it.""",
        flush=True,
    )
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass


if __name__ == "__main__":
    main()
