"""The merchant web admin (/admin): server-rendered pages over the same domain functions the JSON API calls.
One blueprint per concept, each registered in app.py: session (signing in, up and out, passwords), home, and
one per part of the shop. Pages are declared with `web.Routes.admin`; admin_ui renders them."""
