"""The web admin as a browser uses it, without a browser: cookies kept between requests, forms posted
urlencoded with the CSRF token the page carried, redirects followed on request."""

import re
from html import unescape
from http.cookies import SimpleCookie
from urllib.parse import urlencode, urlsplit

from tests.support.api import PASSWORD, calls_from

_CSRF = re.compile(r'name="csrf_token" value="([^"]+)"')


class Admin:
    def __init__(self, client, host: str = "localhost:8000"):
        calls_from(client)
        self._client = client
        self.host = host
        self.cookies: dict[str, str] = {}
        self.csrf: str | None = None

    def request(self, method: str, path: str, fields=None, *, follow: bool = False, headers: dict | None = None):
        h = {"host": self.host}
        if self.cookies:
            h["cookie"] = "; ".join(f"{k}={v}" for k, v in self.cookies.items())
        body = None
        if fields is not None:
            h["content-type"] = "application/x-www-form-urlencoded"
            body = urlencode(fields, doseq=True)
        h.update(headers or {})
        answer = getattr(self._client.http, method.lower())(path, headers=h, body=body)
        answer.text = answer.body.decode() if isinstance(answer.body, bytes) else answer.body
        self._keep_cookies(header(answer, "set-cookie"))
        found = _CSRF.search(answer.text or "")
        if found:
            self.csrf = unescape(found[1])
        if follow and answer.status_code in (302, 303):
            location = urlsplit(header(answer, "location"))
            return self.get(location.path + (f"?{location.query}" if location.query else ""), follow=True)
        return answer

    def get(self, path: str, **kw):
        return self.request("GET", path, **kw)

    def post(self, path: str, fields: dict | None = None, *, csrf: bool = True, **kw):
        """Posts a form as the page last read would: with its CSRF token unless `csrf=False`."""
        if csrf and self.csrf is None:
            self.get("/admin/login")
        data = {**({"csrf_token": self.csrf} if csrf else {}), **(fields or {})}
        return self.request("POST", path, data, **kw)

    def sign_in(self, email: str, password: str = PASSWORD):
        self.get("/admin/login")
        answer = self.post("/admin/login", {"email": email, "password": password})
        assert answer.status_code == 303, answer.text
        return answer

    def _keep_cookies(self, header) -> None:
        for line in header if isinstance(header, list) else [header] if header else []:
            jar = SimpleCookie()
            jar.load(line)
            for name, morsel in jar.items():
                if morsel["max-age"] == "0" or not morsel.value:
                    self.cookies.pop(name, None)
                else:
                    self.cookies[name] = morsel.value


def header(answer, name: str):
    """A response header by name, whatever its case (a list when the answer sent it more than once)."""
    return next((v for k, v in answer.headers.items() if k.lower() == name), None)


def signed_in(client, merchant) -> Admin:
    """The admin in a browser signed in as this merchant (a `merchant` fixture's (api, signup))."""
    admin = Admin(client)
    admin.sign_in(merchant[1]["shop"]["subdomain"] + "@example.com")
    return admin
