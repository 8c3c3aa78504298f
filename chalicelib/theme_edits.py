"""A merchant's own versions of their theme's templates: a draft they save template by template, previews of
it behind an expiring signed link, published versions, and rollback to any of them.

- Each template of the draft is checked before it is saved: it compiles, keeps to the sandbox's rules
  (template_sandbox.static_check) and every page of the theme renders with it (`_test_render`), else 400
  naming the line and the reason.
- Publishing puts the draft as the next numbered version, never changed after; the shop's
  settings name the live one of each theme (`template_versions`), so rolling back is moving that name.
- Each template keeps the hash of the theme's template it was made against: when a theme update changes that
  template, the merchant's version stays live and the admin shows both sides (`conflict`) until the merchant
  saves it again. The merchant's text is never dropped.
- Live pages run the merchant's templates in the hardened sandbox; one that fails at run time is logged and
  the theme's own template answers instead (template_overrides), so an edit never takes a page down.
"""

import base64
import binascii
import hmac
import json
from datetime import timedelta

from pynamodb.attributes import MapAttribute, NumberAttribute, UnicodeAttribute
from pynamodb.exceptions import DoesNotExist, TransactWriteError
from pynamodb.transactions import TransactWrite

from . import auth, clock, keys, page_samples, storefront, template_overrides, template_sandbox, tenants, themes
from .db import Document, ShopRecord, TenantItem, conditionally, connection, failed_conditions, plain
from .errors import Conflict, Forbidden, Invalid, NotFound
from .template_overrides import TemplateVersion


class TemplateDraft(TenantItem, discriminator="template_draft"):
    """The merchant's working copy of their versions of a theme's templates:
    templates = {<name>: {source, base_hash, theme_version, saved_at}}."""

    theme = UnicodeAttribute()
    templates: Document = MapAttribute(default=dict)
    updated_at = UnicodeAttribute()
    revision = NumberAttribute(default=0)  # every save writes on the revision it read


MAX_SOURCE = 64_000  # characters of one template
MAX_DRAFT = 300_000  # characters of every template of a draft (one DynamoDB item holds it)
PREVIEW_SECONDS = 24 * 3600  # how long a preview link works
_PREVIEW_PURPOSE = "theme-preview"


# The theme's own templates -------------------------------------------------------------------------------------


def _theme_source(theme: str, name: str) -> str:
    sources = template_overrides.theme_sources(theme)
    if name not in sources:
        raise NotFound(f"No template named {name!r} in the theme {theme!r}")
    return sources[name]


# Reading what is stored -------------------------------------------------------------------------------------------


def _draft(tenant_id: str, theme: str) -> TemplateDraft | None:
    try:
        return TemplateDraft.get(tenant_id, keys.template_draft_sk(theme), consistent_read=True)
    except DoesNotExist:
        return None


def _draft_templates(tenant_id: str, theme: str) -> dict[str, dict]:
    draft = _draft(tenant_id, theme)
    return plain(draft.templates) if draft else {}


def _conflict(theme: str, name: str, edit: dict) -> dict | None:
    """Both sides when the theme's template changed since the merchant's version was made against it."""
    source = template_overrides.theme_sources(theme).get(name)
    if source is None:
        return {"theme_source": None, "reason": "the theme no longer has this template"}
    if template_overrides.source_hash(source) == edit["base_hash"]:
        return None
    return {
        "theme_source": source,
        "made_against_version": edit.get("theme_version"),
        "theme_version": themes.get(theme).version,
        "reason": "the theme's template changed since you edited it",
    }


def templates(tenant_id: str) -> dict:
    """Every template of the shop's theme: whether the shop's draft or live version edits it, and conflicts."""
    shop = tenants.get_shop(tenant_id)
    theme = themes.of(shop).name
    draft = _draft_templates(tenant_id, theme)
    live_version = template_overrides.pointer(shop, theme).get("live")
    live = template_overrides.version_templates(tenant_id, theme, int(live_version)) if live_version else {}
    items = []
    for name in sorted(set(template_overrides.theme_sources(theme)) | set(draft) | set(live)):
        edit = draft.get(name) or live.get(name)
        items.append(
            {
                "name": name,
                "edited_in_draft": name in draft,
                "edited_live": name in live,
                "unpublished": draft.get(name, {}).get("source") != live.get(name, {}).get("source"),
                "conflict": _conflict(theme, name, edit) is not None if edit else False,
            }
        )
    return {"theme": theme, "live_version": live_version, "items": items}


def template(tenant_id: str, name: str) -> dict:
    """One template as the editor shows it: the draft's source (the theme's when the draft has none), the
    theme's, and the conflict with both sides when there is one."""
    shop = tenants.get_shop(tenant_id)
    theme = themes.of(shop).name
    edit = _draft_templates(tenant_id, theme).get(name)
    theme_source = template_overrides.theme_sources(theme).get(name)
    if edit is None and theme_source is None:
        raise NotFound(f"No template named {name!r} in the theme {theme!r}")
    return {
        "name": name,
        "theme": theme,
        "source": edit["source"] if edit else theme_source,
        "edited": edit is not None,
        "theme_source": theme_source,
        "conflict": _conflict(theme, name, edit) if edit else None,
        "saved_at": edit.get("saved_at") if edit else None,
    }


def state(tenant_id: str) -> dict:
    """What the audit log records of the shop's edits: the live version and each draft template's hash."""
    shop = tenants.get_shop(tenant_id)
    theme = themes.of(shop).name
    draft = _draft_templates(tenant_id, theme)
    return {
        "theme": theme,
        "live_version": template_overrides.pointer(shop, theme).get("live"),
        "draft": {name: template_overrides.source_hash(t["source"]) for name, t in sorted(draft.items())},
    }


# Saving the draft ---------------------------------------------------------------------------------------------


def save(tenant_id: str, name: str, source: str) -> dict:
    """Puts `source` as the draft's version of template `name` once it compiles, keeps to the sandbox and every
    page renders with it; Invalid naming the line and reason otherwise (nothing saved)."""
    shop = tenants.get_shop(tenant_id)
    theme = themes.of(shop).name
    theme_source = _theme_source(theme, name)
    if len(source) > MAX_SOURCE:
        raise Invalid(f"source: over {MAX_SOURCE} characters", {"source": f"at most {MAX_SOURCE} characters"})
    draft = _draft(tenant_id, theme)
    current = plain(draft.templates) if draft else {}
    edits = {
        **current,
        name: {
            "source": source,
            "base_hash": template_overrides.source_hash(theme_source),
            "theme_version": themes.get(theme).version,
            "saved_at": clock.now_iso(),
        },
    }
    if sum(len(t["source"]) for t in edits.values()) > MAX_DRAFT:
        raise Invalid(
            f"source: the draft's templates are over {MAX_DRAFT} characters together",
            {"source": "the draft is too large"},
        )
    check(shop, theme, name, {n: t["source"] for n, t in edits.items()})
    _write_draft(tenant_id, theme, draft, edits)
    return template(tenant_id, name)


def discard(tenant_id: str, name: str) -> dict:
    """Drops the draft's version of template `name`: the draft uses the theme's own again (published
    versions keep theirs)."""
    shop = tenants.get_shop(tenant_id)
    theme = themes.of(shop).name
    draft = _draft(tenant_id, theme)
    edits = plain(draft.templates) if draft else {}
    if name in edits:
        del edits[name]
        _write_draft(tenant_id, theme, draft, edits)
    return template(tenant_id, name)


def _write_draft(tenant_id: str, theme: str, draft: TemplateDraft | None, edits: dict) -> None:
    """Writes the draft on the revision read: a save meanwhile (another tab) is a 409, never overwritten."""
    revision = draft.revision if draft else 0
    item = TemplateDraft(
        tenant_id,
        keys.template_draft_sk(theme),
        theme=theme,
        templates=edits,
        updated_at=clock.now_iso(),
        revision=revision + 1,
    )
    condition = TemplateDraft.revision == revision if draft else TemplateDraft.sk.does_not_exist()
    conditionally(item.save, condition=condition, otherwise=Conflict("The draft changed meanwhile; reload it"))


def check(shop, theme: str, name: str, edits: dict[str, str]) -> None:
    """Invalid, naming `name`'s line and the reason, unless every edited template passes the sandbox's static
    check and every page of the theme renders with them."""
    environment = template_overrides.environment(theme, tuple(sorted(edits.items())), storefront.environment)
    try:
        template_sandbox.static_check(environment, edits[name], name)
    except template_sandbox.Refused as refused:
        raise _invalid(name, refused) from None
    _test_render(shop, theme, name, edits)


def _invalid(name: str, refused: template_sandbox.Refused, page: str | None = None) -> Invalid:
    where = f"{name} line {refused.line}" if refused.line else name
    during = f" (rendering the {page} page)" if page else ""
    message = f"{where}: {refused.reason}{during}"
    return Invalid(f"source: {message}", {"source": message})


def _test_render(shop, theme: str, name: str, edits: dict[str, str]) -> None:
    """Renders every sample page with the edits, strictly. A page that fails with the theme's own version of
    the template too fails for want of a fitting sample, not because of the edit: it is not held against it."""
    for page, render in page_samples.pages(shop):
        try:
            _render_with(shop, theme, edits, render)
        except template_sandbox.Refused as refused:
            unedited = {**edits, name: template_overrides.theme_sources(theme)[name]}
            try:
                _render_with(shop, theme, unedited, render)
            except template_sandbox.Refused:
                continue
            raise _invalid(name, refused, page) from None


def _render_with(shop, theme: str, edits: dict[str, str], render) -> None:
    with template_overrides.previewing(template_overrides.Preview(shop.tenant_id, theme, edits, strict=True)):
        render()


# Publishing and rolling back ------------------------------------------------------------------------------------


def publish(tenant_id: str, published_by: str) -> dict:
    """The draft becomes the next version and goes live; 409 when there is nothing new to publish."""
    shop = tenants.get_shop(tenant_id)
    theme = themes.of(shop).name
    edits = _draft_templates(tenant_id, theme)
    pointer = template_overrides.pointer(shop, theme)
    live = template_overrides.version_templates(tenant_id, theme, int(pointer["live"])) if pointer.get("live") else {}
    if _sources(edits) == _sources(live):
        raise Conflict("Nothing to publish: the draft is what is live")
    version = int(pointer.get("latest") or 0) + 1
    item = TemplateVersion(
        tenant_id,
        keys.template_version_sk(theme, version),
        theme=theme,
        version=version,
        templates=edits,
        published_at=clock.now_iso(),
        published_by=published_by,
    )
    # The version and the pointer to it in one transaction: a publish meanwhile (another tab) is a 409.
    try:
        with TransactWrite(connection=connection()) as tx:
            tx.save(item, condition=TemplateVersion.sk.does_not_exist())
            action, condition = _move(shop, theme, {"live": version, "latest": version})
            tx.update(shop, actions=[action], condition=condition)
    except TransactWriteError as e:
        if failed_conditions(tx, e):
            raise Conflict("Another publish came first; reload and try again") from None
        raise
    tenants.forget_shop(tenant_id)
    return {"version": version, "theme": theme, "published_at": item.published_at}


def rollback(tenant_id: str, version: int) -> dict:
    """Makes published `version` live again. A draft with nothing unpublished follows it, so the editor shows
    what is live; a draft with unpublished work keeps it."""
    shop = tenants.get_shop(tenant_id)
    theme = themes.of(shop).name
    pointer = template_overrides.pointer(shop, theme)
    if version != 0:  # version 0: the theme's own templates, as before the first publish
        template_overrides.version_templates(tenant_id, theme, version)  # NotFound for a version never published
    target = template_overrides.version_templates(tenant_id, theme, version) if version else {}
    draft = _draft(tenant_id, theme)
    live = template_overrides.version_templates(tenant_id, theme, int(pointer["live"])) if pointer.get("live") else {}
    if pointer.get("live", 0) != version:
        _point(shop, theme, {"live": version, "latest": pointer.get("latest", 0)})
    if _sources(plain(draft.templates) if draft else {}) == _sources(live):
        _write_draft(tenant_id, theme, draft, target)
    return {"version": version, "theme": theme}


def _sources(edits: dict) -> dict[str, str]:
    return {name: t["source"] for name, t in edits.items()}


def _move(shop, theme: str, now: dict):
    """(action, condition): `now` becomes the shop's {live, latest} of `theme`, written on every theme's as read."""
    was = template_overrides.pointers(shop)
    path = ShopRecord.settings[template_overrides.POINTERS]
    return path.set({**was, theme: now}), (path == was if was else path.does_not_exist())


def _point(shop, theme: str, now: dict) -> None:
    """Moves the shop's live version of `theme`, on the pointers as read."""
    action, condition = _move(shop, theme, now)
    conditionally(
        shop.update,
        actions=[action],
        condition=condition,
        otherwise=Conflict("The published version changed meanwhile; reload and try again"),
    )
    tenants.forget_shop(shop.tenant_id)


def versions(tenant_id: str) -> dict:
    """The published versions of the shop's theme, newest first, the live one marked."""
    shop = tenants.get_shop(tenant_id)
    theme = themes.of(shop).name
    live = template_overrides.pointer(shop, theme).get("live")
    items = [
        {
            "version": int(v.version),
            "published_at": v.published_at,
            "published_by": v.published_by,
            "templates": sorted(plain(v.templates)),
            "live": int(v.version) == live,
        }
        for v in TemplateVersion.query(
            tenant_id,
            TemplateVersion.sk.startswith(keys.template_versions_prefix(theme)),
            scan_index_forward=False,
        )
    ]
    return {"theme": theme, "live_version": live, "items": items}


# Previews ---------------------------------------------------------------------------------------------------------


def preview_token(tenant_id: str) -> dict:
    """A signed token that shows the shop's draft until it expires: {token, expires_at}."""
    expires = clock.now() + timedelta(seconds=PREVIEW_SECONDS)
    payload = _b64(json.dumps({"t": tenant_id, "e": int(expires.timestamp())}, separators=(",", ":")).encode())
    return {"token": f"{payload}.{auth.keyed_digest(_PREVIEW_PURPOSE, payload)}", "expires_at": clock.iso(expires)}


def open_preview(shop, token: str) -> template_overrides.Preview:
    """The preview `token` opens on `shop`'s pages: its current theme with the draft as it is now. Forbidden
    for a token that is forged, expired or another shop's."""
    payload, _, signature = (token or "").partition(".")
    if not hmac.compare_digest(auth.keyed_digest(_PREVIEW_PURPOSE, payload), signature):
        raise Forbidden("This preview link is not valid")
    try:
        claims = json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))
    except (ValueError, binascii.Error):
        raise Forbidden("This preview link is not valid") from None
    if claims.get("t") != shop.tenant_id:
        raise Forbidden("This preview link is for another shop")
    if claims.get("e", 0) < clock.now().timestamp():
        raise Forbidden("This preview link has expired; open a new one from the admin")
    theme = themes.of(shop).name
    edits = _sources(_draft_templates(shop.tenant_id, theme))
    return template_overrides.Preview(
        shop.tenant_id, theme, edits, expires_at=clock.iso(clock.EARLIEST + timedelta(seconds=claims["e"]))
    )


def _b64(raw: bytes) -> str:
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")
