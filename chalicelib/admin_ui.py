"""The merchant web admin's pages: server-rendered Jinja2 (templates/admin/, autoescaped), forms posted
urlencoded, and what every page shares (the session, the CSRF token, the answer's headers).

Pages follow two shapes merchants know from Shopify's admin (an index table with filters, search and bulk
actions; a resource page with its sections and one save button) and GOV.UK's forms (the error summary at the
top linking to each field, the message next to its field, nothing that needs JavaScript to submit). Every
form's values go through the same schema and domain function as the JSON API's call: a page never holds a
second copy of a rule. Pages run no inline script and carry no inline style (security_headers); their
scripts and stylesheet are files under /assets/admin/.
"""

import re
from dataclasses import dataclass, field
from urllib.parse import parse_qs, quote, urlsplit

from chalice import Response
from jinja2 import Environment, FileSystemLoader, StrictUndefined
from markupsafe import escape

from . import assets, money, validation
from .errors import DomainError, Invalid
from .settings import TEMPLATES

# Never cached anywhere (the contract's Conventions: admin pages are `private, no-store`).
PAGE_HEADERS = {"Content-Type": "text/html; charset=utf-8", "Cache-Control": "private, no-store"}
MAX_FORM_FIELDS = 2000  # a bulk action on a full page of products and variants stays well under
MAX_FORM_BYTES = 1_000_000

_env = Environment(
    loader=FileSystemLoader(str(TEMPLATES / "admin")),
    autoescape=True,
    trim_blocks=True,
    lstrip_blocks=True,
    undefined=StrictUndefined,
)
_env.filters["money"] = money.format_money
_env.globals["assets_version"] = assets.VERSION


@dataclass(frozen=True)
class Session:
    """Who is looking at a page: the signed-in merchant (or nobody, on the sign-in pages) and the CSRF token
    every form of the page carries."""

    csrf_token: str
    claims: dict | None = None
    tenant_id: str | None = None
    shop: object | None = None  # the ShopRecord: its name and currency head every page

    @property
    def email(self) -> str | None:
        return (self.claims or {}).get("email")

    @property
    def actor(self) -> dict:
        """Who made a change, as the audit log records it."""
        claims = self.claims or {}
        return {"id": claims.get("sub"), "email": claims.get("email")}


class Form:
    """A posted form: each name's values, in order. `get` is the first value, stripped of surrounding space."""

    def __init__(self, values: dict[str, list[str]]):
        self.values = values

    def get(self, name: str, default: str = "") -> str:
        return (self.values.get(name) or [default])[0].strip()

    def list(self, name: str) -> list[str]:
        return [v.strip() for v in self.values.get(name, [])]

    def __contains__(self, name: str) -> bool:
        return name in self.values


def parse_form(raw: bytes | None) -> Form:
    """An urlencoded body, read as hostile as a JSON one: UTF-8 only, no NUL, a bounded number of fields. (Files
    never come through here: a browser posts an image straight to storage, media.start_upload.)"""
    raw = raw or b""
    if len(raw) > MAX_FORM_BYTES:
        raise Invalid("The form is too large")
    try:
        values = parse_qs(raw.decode("utf-8"), keep_blank_values=True, max_num_fields=MAX_FORM_FIELDS)
    except (UnicodeDecodeError, ValueError):
        raise Invalid("The form could not be read") from None
    if any("\x00" in v for vs in values.values() for v in vs) or any("\x00" in k for k in values):
        raise Invalid("The form could not be read")
    return Form(values)


@dataclass
class FormErrors:
    """A form's errors for its page: the summary's message and each field's own (names as the schema's)."""

    message: str | None = None
    fields: dict[str, str] = field(default_factory=dict)
    labels: dict[str, str] = field(default_factory=dict)  # how the summary names a field, where its name will not do

    @classmethod
    def of(cls, err: DomainError) -> "FormErrors":
        return cls(err.message, dict(err.fields or {}))

    def __bool__(self) -> bool:
        return bool(self.message or self.fields)


class Reading:
    """A form's text read into the API's values (amounts in minor units, whole numbers, percentages in basis
    points), noting every field that does not read so the page names them all at once; `check` then validates
    the payload against the API's schema, as the API would."""

    def __init__(self, currency: str):
        self.currency = currency
        self.fields: dict[str, str] = {}

    def amount(self, name: str, text: str, *, required: bool = True) -> int | None:
        if not text and not required:
            return None
        amount = money.parse_amount(text, self.currency)
        if amount is None:
            example = money.amount_input(499 if money.exponent(self.currency) else 5, self.currency)
            self.fields[name] = f"enter an amount in {self.currency}, like {example}"
        return amount

    def whole(self, name: str, text: str, *, required: bool = True) -> int | None:
        if not text and not required:
            return None
        if not re.fullmatch(r"[0-9]{1,12}", text):
            self.fields[name] = "enter a whole number, like 30"
            return None
        return int(text)

    def percent_bp(self, name: str, text: str) -> int | None:
        """'20' -> 2000, '7.25' -> 725: a percentage from 0 to 100, to two places, in basis points."""
        match = re.fullmatch(r"([0-9]{1,3})(?:\.([0-9]{1,2}))?%?", text)
        bp = int(match[1]) * 100 + int((match[2] or "").ljust(2, "0")) if match else None
        if bp is None or bp > 10_000:
            self.fields[name] = "enter a percentage from 0 to 100, like 20 or 7.25"
        return bp

    def check(self, payload: dict, schema: dict) -> dict:
        if self.fields:
            first = next(iter(self.fields))
            raise Invalid(f"{first}: {self.fields[first]}", self.fields)
        return validation.check(payload, schema)


def table_rows(form: Form, prefix: str, names: tuple[str, ...], *, kept: tuple[str, ...] = ()) -> list[dict]:
    """The rows of a table of inputs named `prefix[i].name`, in the form's order, numbered again from 0 (so the
    API's error paths, `rates[0].amount`, name the inputs the page shows again). A row whose inputs are all blank
    (`kept` ones, such as a hidden id, aside) or whose `remove` box is ticked is left out."""
    at = re.compile(re.escape(prefix) + r"\[([0-9]{1,4})\]\.")
    indexes = sorted({int(m[1]) for key in form.values if (m := at.match(key))})
    rows = []
    for i in indexes:
        row = {name: form.get(f"{prefix}[{i}].{name}") for name in names}
        if form.get(f"{prefix}[{i}].remove") or not any(v for k, v in row.items() if k not in kept):
            continue
        rows.append(row)
    return rows


def render(template: str, session: Session, *, status: int = 200, **context) -> Response:
    html = _env.get_template(template).render(session=session, errors=context.pop("errors", FormErrors()), **context)
    return Response(body=html, status_code=status, headers=dict(PAGE_HEADERS))


def section_page(request, template: str, session: Session, nav: str, *, status: int = 200, **context) -> Response:
    """A page of one of the admin's sections (`nav`, lit in the side bar), with the notice a redirect brought."""
    query = request.query_params
    return render(
        template, session, status=status, nav=nav, notice=notice(query.get("notice") if query else None), **context
    )


def redirect(location: str, *, notice: str | None = None, cookies: list[str] | None = None) -> Response:
    """303 See Other after a form post (the browser then GETs `location`); `notice` is shown there once,
    as one of NOTICES' codes, so no text a link carries is ever written onto a page."""
    if notice:
        assert notice in NOTICES, notice
        location += ("&" if "?" in location else "?") + f"notice={notice}"
    headers: dict[str, str | list[str]] = {**PAGE_HEADERS, "Location": location}
    if cookies:
        headers["Set-Cookie"] = cookies  # a list: one header each (multiValueHeaders)
    return Response(body=f'<a href="{escape(location)}">Continue</a>', status_code=303, headers=headers)


def sign_in_location(path: str, query: dict | None) -> str:
    here = path + ("?" + "&".join(f"{quote(k)}={quote(v)}" for k, v in (query or {}).items()) if query else "")
    return f"/admin/login?next={quote(here)}"


def safe_next(target: str | None) -> str:
    """Where to go after signing in: a page of the admin only (never another site: no open redirect)."""
    parts = urlsplit(target or "")
    if parts.scheme or parts.netloc or not parts.path.startswith("/admin") or "\\" in (target or ""):
        return "/admin"
    return target or "/admin"


# What a page may say after a redirect (`?notice=`): the codes of the admin's flash messages.
NOTICES = {
    "signed_in": "Welcome back.",
    "signed_out": "You are signed out.",
    "password_changed": "Your password is changed. Other devices are signed out.",
    "reset_sent": "If that email has an account, a reset link is on its way.",
    "saved": "Saved.",
    "created": "Created.",
    "deleted": "Deleted.",
    "published": "Published: it is for sale in your shop.",
    "unpublished": "Unpublished: it is a draft, hidden from your shop.",
    "uploaded": "Image uploaded and added to this product.",
    "domain_verified": "Your domain is verified: your shop opens on it now.",
    "discount_deactivated": "The discount is deactivated: checkouts refuse it from now on.",
    "fulfilled": "Fulfilment created. The customer gets an email.",
    "cancelled": "Order cancelled. The stock is back and what was paid is being refunded.",
    "refunded": "Refund sent.",
    "resolved": "Marked as resolved.",
    "approved": "Return approved. The customer gets an email.",
    "rejected": "Return rejected.",
    "received": "Return received and settled.",
    "theme_switched": "Theme switched: your shop shows it now, with the settings it had.",
    "draft_saved": "Draft saved. Preview it, then publish it to make it live.",
    "draft_discarded": "The draft uses the theme's own template again.",
    "theme_published": "Published: your shop shows the new version.",
    "rolled_back": "Rolled back: your shop shows that version again.",
}


def notice(code: str | None) -> str | None:
    return NOTICES.get(code or "")
