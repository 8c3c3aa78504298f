"""Inline script and style in a page's HTML: what storefront pages may not carry. Their one
Content-Security-Policy (security_headers) allows scripts and styles only as files, so that a page cached at the
edge serves every shopper alike; a merchant's edited template (template_sandbox) keeps to it like the theme does.
Data blocks (`<script type="application/ld+json">`) are data, not script, and are fine.
"""

from html.parser import HTMLParser

_EXECUTABLE = {"", "text/javascript", "application/javascript", "module"}
_DATA_BLOCKS = {"application/ld+json", "application/json"}


class _InlineScript(HTMLParser):
    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.found: str | None = None
        self.in_script = False

    def _refuse(self, reason: str) -> None:
        self.found = self.found or reason

    def handle_starttag(self, tag, attrs):
        values = dict(attrs)
        for attr, value in attrs:
            if attr.startswith("on"):
                self._refuse(f"<{tag} {attr}=...> runs inline script; use a script file and data- attributes")
            if attr == "style":
                self._refuse(f"<{tag} style=...> is an inline style; use the theme's stylesheet")
            if attr in ("href", "src", "action", "formaction") and (value or "").strip().lower().startswith(
                "javascript:"
            ):
                self._refuse(f"a javascript: link in <{tag}> runs inline script")
        if tag == "style":
            self._refuse("<style> is an inline style; use the theme's stylesheet")
        if tag == "script":
            kind = (values.get("type") or "").strip().lower()
            if kind in _DATA_BLOCKS:
                return
            if kind not in _EXECUTABLE:
                self._refuse(f"<script type={kind}> is not allowed")
            elif not values.get("src"):
                self._refuse("inline <script> is not allowed; load a script file with src")
            self.in_script = True

    def handle_endtag(self, tag):
        if tag == "script":
            self.in_script = False

    def handle_data(self, data):
        if self.in_script and data.strip():
            self._refuse("a <script src> must be empty")


def found_in(html: str, *, partial: bool = False) -> str | None:
    """Why `html` would run inline script or style (None: it does not). `partial`: a fragment of a template's
    source, where markup may be cut off mid-tag."""
    parser = _InlineScript()
    try:
        parser.feed(html)
        if not partial:
            parser.close()
    except AssertionError:  # html.parser's answer to markup it cannot read at all
        return None if partial else "the page's markup cannot be read"
    return parser.found
