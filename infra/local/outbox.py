"""The local outbox: every email the platform sent on this machine, for a person (`GET /_outbox`) and for a
script (`GET /_outbox.json`). Local server only: in AWS the mail goes out through SES and these routes do not
exist.

The page runs no script. Each email shows its text part with its links made clickable (a password reset or an
order link is one click away) and its HTML part as the recipient's client would draw it: in a sandboxed
frame, which runs nothing of the email and opens its links in a new tab.
"""

import json
import re
from html import escape

# The page's own style and each email's inline styles; no script, no form, no other origin but images.
HEADERS = {
    "Cache-Control": "private, no-store",
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",
    "Content-Security-Policy": (
        "default-src 'none'; style-src 'unsafe-inline'; img-src http: https: data:; frame-src 'self'; "
        "form-action 'none'; frame-ancestors 'none'"
    ),
}
_URL = re.compile(r"https?://[^\s<>\"']+")

_STYLE = """
body { font: 16px/1.5 -apple-system, "Segoe UI", Roboto, Helvetica, Arial, sans-serif; margin: 0 auto;
  max-width: 60rem; padding: 1rem; color: #1a1a1a; }
article { border: 1px solid #c9cccf; border-radius: 8px; margin: 1rem 0; padding: 1rem; }
h2 { font-size: 1.15rem; margin: 0 0 .5rem; overflow-wrap: anywhere; }
dl { display: grid; grid-template-columns: max-content 1fr; gap: 0 1rem; margin: 0 0 1rem; }
dt { color: #616161; } dd { margin: 0; overflow-wrap: anywhere; }
pre { white-space: pre-wrap; overflow-wrap: anywhere; background: #f6f6f7; padding: .75rem; border-radius: 6px; }
iframe { width: 100%; height: 32rem; border: 1px solid #c9cccf; border-radius: 6px; background: #fff; }
a { color: #005bd3; } a:focus { outline: 3px solid #ffbf47; }
"""


def document(items: list[dict]) -> bytes:
    """`GET /_outbox.json`: {items: [{to, subject, headers, text, html, sent_at}]}, newest first."""
    return json.dumps({"items": items}).encode()


def _linked(text: str) -> str:
    """The text part, escaped, with every http(s) URL in it a link."""
    out, at = [], 0
    for match in _URL.finditer(text):
        url = match.group(0).rstrip(".,;:)")
        out.append(escape(text[at : match.start()]))
        out.append(f'<a href="{escape(url)}">{escape(url)}</a>')
        at = match.start() + len(url)
    out.append(escape(text[at:]))
    return "".join(out)


def _email(n: int, mail: dict) -> str:
    html_part = ""
    if mail["html"]:
        html_part = (
            f"<details><summary>As the email client shows it (HTML)</summary>"
            f'<iframe title="{escape(mail["subject"])}" sandbox="allow-popups allow-popups-to-escape-sandbox" '
            f'srcdoc="{escape(_opening_links_in_a_tab(mail["html"]))}"></iframe></details>'
        )
    return (
        f'<article id="mail-{n}" aria-labelledby="mail-{n}-subject">'
        f'<h2 id="mail-{n}-subject">{escape(mail["subject"])}</h2>'
        f"<dl><dt>To</dt><dd>{escape(', '.join(mail['to']))}</dd>"
        f"<dt>From</dt><dd>{escape(mail['headers'].get('From', ''))}</dd>"
        f'<dt>Sent</dt><dd><time datetime="{escape(mail["sent_at"])}">{escape(mail["sent_at"])}</time></dd></dl>'
        f"<pre>{_linked(mail['text'])}</pre>{html_part}</article>"
    )


def _opening_links_in_a_tab(html: str) -> str:
    """A link clicked inside the frame would open inside it: the email's links open in a new tab instead."""
    head = re.search(r"<head(\s[^>]*)?>", html)
    at = head.end() if head else 0
    return html[:at] + '<base target="_blank">' + html[at:]


def page(items: list[dict]) -> bytes:
    """`GET /_outbox`: the emails newest first, readable, their links working."""
    body = "".join(_email(len(items) - i, mail) for i, mail in enumerate(items)) or (
        "<p>No email sent yet. Sign up, ask for a password reset or buy something: its email shows here.</p>"
    )
    count = f"{len(items)} email{'' if len(items) == 1 else 's'}, newest first"
    return (
        '<!doctype html><html lang="en"><head><meta charset="utf-8">'
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        f"<title>Outbox</title><style>{_STYLE}</style></head><body><main>"
        f"<h1>Outbox</h1><p>Every email the platform sent on this machine ({count}). "
        'Also as JSON: <a href="/_outbox.json">/_outbox.json</a>.</p>'
        f"{body}</main></body></html>"
    ).encode()
