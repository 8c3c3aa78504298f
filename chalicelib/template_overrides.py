"""Which templates a storefront page of a shop renders: its theme's own, or, once the merchant published their
own versions of some (theme_edits), those, run in the hardened sandbox (template_sandbox); a preview's draft
instead for whoever holds its link. storefront.template_for asks here, for every page.

A page whose edited template fails at run time is logged and rendered with the theme's own templates instead
(`Edited.render`): an edit never takes a page down.
"""

import contextlib
import contextvars
import functools
import hashlib
from collections.abc import Callable, Iterator
from dataclasses import dataclass

from jinja2 import Template, TemplateSyntaxError
from pynamodb.attributes import MapAttribute, NumberAttribute, UnicodeAttribute
from pynamodb.exceptions import DoesNotExist

from . import keys, template_sandbox, themes
from .db import Document, TenantItem, plain
from .errors import NotFound
from .observability import logger


class TemplateVersion(TenantItem, discriminator="template_version"):
    """A published set of the merchant's templates of one theme; never changed once put."""

    theme = UnicodeAttribute()
    version = NumberAttribute()
    templates: Document = MapAttribute(default=dict)
    published_at = UnicodeAttribute()
    published_by = UnicodeAttribute()


@functools.cache
def theme_sources(theme: str) -> dict[str, str]:
    """Every page template (.html) of the theme by its logical name: what a merchant may edit and include."""
    loader = themes.loader(theme)
    names = [n for n in loader.list_templates() if n.endswith(".html")]
    return {name: loader.get_source(None, name)[0] for name in names}  # type: ignore[arg-type]


def source_hash(source: str) -> str:
    """What an edit remembers of the theme's template it was made against (theme_edits' conflicts)."""
    return hashlib.sha256(source.encode()).hexdigest()[:16]


# Environments: one per theme and set of edited templates, so compiled templates are shared by the pages and
# shops that run the same ones, and no shop's templates are ever looked up under another's.

_FILENAME = "{name} (edited)"


def _filename(theme: str, edited: frozenset[str], name: str) -> str:
    return _FILENAME.format(name=name) if name in edited else f"themes/{theme}/{name}"


@functools.lru_cache(maxsize=32)  # each holds its ~20 compiled templates: a few MB of a container's memory
def environment(theme: str, edited: tuple[tuple[str, str], ...], configure: Callable):
    """The hardened environment of the theme's templates with `edited` ((name, source) pairs) in place of its
    own, every template compiled up front: a render's deadline is spent rendering, not compiling."""
    templates = {**theme_sources(theme), **dict(edited)}
    names = frozenset(name for name, _ in edited)
    loader = template_sandbox.Allowed(templates, functools.partial(_filename, theme, names))
    env = configure(loader, template_sandbox.HardenedEnvironment)
    for name in templates:
        with contextlib.suppress(TemplateSyntaxError, RecursionError):  # such an edit is refused when saved
            env.get_template(name)
    return env


@dataclass(frozen=True)
class Edited:
    """A page's template when the shop's own templates are in force: rendered in the hardened sandbox; if it
    fails, the theme's own template answers (`strict`: the failure is raised, for checks and previews)."""

    template: Template
    fallback: Template
    edited: frozenset[str]
    strict: bool = False

    def render(self, *args, **context) -> str:
        filenames = [_FILENAME.format(name=name) for name in self.edited]
        try:
            return template_sandbox.render(self.template, dict(*args, **context), filenames)
        except template_sandbox.Refused as refused:
            if self.strict:
                raise
            logger.warning(
                "edited template failed; the theme's own answered", template=self.template.name, reason=str(refused)
            )
            return self.fallback.render(*args, **context)


def template_for(shop, theme: str, name: str, fallback, configure: Callable, preview: "Preview | None" = None):
    """The template a page of `shop` renders (storefront.template_for): `fallback`, the theme's own, unless the
    shop's published templates of the theme, or the preview's draft, are in force."""
    if preview is not None and (preview.tenant_id, preview.theme) == (shop.tenant_id, theme):
        edited = preview.templates
    else:
        edited = live_templates(shop, theme)
    if not edited or not name.endswith(".html"):
        return fallback
    try:
        template = environment(theme, tuple(sorted(edited.items())), configure).get_template(name)
    except TemplateSyntaxError as error:  # checked when saved: only a change of Jinja2 itself could get here
        logger.warning("edited template does not compile; the theme's own answered", template=name, reason=str(error))
        return fallback
    return Edited(template, fallback, frozenset(edited), preview is not None and preview.strict)


POINTERS = "template_versions"  # the shop's setting {<theme>: {live, latest}}: which version each theme's pages run


def pointers(shop) -> dict:
    return (plain(shop.settings) or {}).get(POINTERS) or {}


def pointer(shop, theme: str) -> dict:
    return pointers(shop).get(theme) or {}


@functools.lru_cache(maxsize=256)
def version_templates(tenant_id: str, theme: str, version: int) -> dict[str, dict]:
    """A published version's templates: never changed once put, so a container keeps what it read."""
    try:
        item = TemplateVersion.get(tenant_id, keys.template_version_sk(theme, version))
    except DoesNotExist:
        raise NotFound(f"No version {version}") from None
    return plain(item.templates)


def live_templates(shop, theme: str) -> dict[str, str]:
    """The sources of the shop's templates its pages in `theme` run now ({}: the theme's own)."""
    live = pointer(shop, theme).get("live")
    if not live:
        return {}
    return {name: t["source"] for name, t in version_templates(shop.tenant_id, theme, int(live)).items()}


@dataclass(frozen=True)
class Preview:
    """The draft templates a preview renders with (strict: a failure is raised rather than hidden)."""

    tenant_id: str
    theme: str
    templates: dict[str, str]
    strict: bool = False
    expires_at: str = ""


_previewing: contextvars.ContextVar[Preview | None] = contextvars.ContextVar("previewing", default=None)


@contextlib.contextmanager
def previewing(preview: Preview) -> Iterator[None]:
    """Pages rendered inside render with `preview`'s templates (storefront.render reads `current_preview`)."""
    token = _previewing.set(preview)
    try:
        yield
    finally:
        _previewing.reset(token)


def current_preview() -> Preview | None:
    return _previewing.get()
