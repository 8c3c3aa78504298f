"""The audit log's pure parts: the flat diff of a resource, the CSV's cells, the filters, and the rule that every
write route of the merchant API declares what it changes."""

import pytest

from chalicelib import audit
from chalicelib.errors import Invalid

WRITES = ("POST", "PUT", "PATCH", "DELETE")


def test_a_resource_flattens_to_dotted_paths_and_lists_of_objects_with_ids_by_id():
    product = {
        "title": "Tee",
        "seo": {"title": "Soft tee"},
        "tags": ["cotton", "summer"],
        "variants": [{"id": "V1", "price": 2500}, {"id": "V2", "price": 2700}],
        "images": [],
        "category": None,
    }
    assert audit.flatten(product) == {
        "title": "Tee",
        "seo.title": "Soft tee",
        "tags.0": "cotton",
        "tags.1": "summer",
        "variants.V1.id": "V1",
        "variants.V1.price": 2500,
        "variants.V2.id": "V2",
        "variants.V2.price": 2700,
        "images": [],
        "category": None,
    }


def test_the_diff_holds_each_changed_field_only_before_and_after():
    before = {"title": "Tee", "status": "draft", "variants": [{"id": "V1", "price": 2500}, {"id": "V2", "price": 10}]}
    after = {"title": "Tee", "status": "active", "variants": [{"id": "V1", "price": 2400}], "seo": {"title": "New"}}
    assert audit.diff(before, after) == [
        {"field": "status", "before": "draft", "after": "active"},
        {"field": "variants.V1.price", "before": 2500, "after": 2400},
        {"field": "variants.V2.id", "before": "V2", "after": None},
        {"field": "variants.V2.price", "before": 10, "after": None},
        {"field": "seo.title", "before": None, "after": "New"},
    ]


def test_a_field_that_appears_as_null_or_empty_is_a_change_and_the_same_resource_is_none():
    assert audit.diff({}, {"category": None}) == [{"field": "category", "before": None, "after": None}]
    assert audit.diff({"tags": ["a"]}, {"tags": []}) == [
        {"field": "tags.0", "before": "a", "after": None},
        {"field": "tags", "before": None, "after": []},
    ]
    same = {"title": "Tee", "variants": [{"id": "V1", "price": 1}]}
    assert audit.diff(same, dict(same)) == []


@pytest.mark.parametrize(
    ("value", "cell"),
    [
        ("Blue shirt", "Blue shirt"),
        ('=HYPERLINK("http://evil")', '\'=HYPERLINK("http://evil")'),
        ("+1+2", "'+1+2"),
        ("-2+3", "'-2+3"),
        ("@SUM(A1)", "'@SUM(A1)"),
        ("\tTAB", "'\tTAB"),
        ("\rCR", "'\rCR"),
        (None, "null"),
        (True, "true"),
        (2500, "2500"),
        (-5, "'-5"),
        ([], "[]"),
        ("naïve", "naïve"),
    ],
)
def test_a_csv_cell_never_starts_a_formula(value, cell):
    assert audit.safe_cell(value) == cell


def test_filters_take_empty_fields_as_absent_and_times_in_utc():
    assert audit.Filters.parse({"resource_type": "", "actor": " ", "since": "2026-12-01T10:00:00+02:00"}) == (
        audit.Filters(since="2026-12-01T08:00:00Z")
    )
    assert audit.Filters.parse({}) == audit.Filters()


def test_a_day_without_a_time_filters_from_its_start_until_its_end():
    assert audit.Filters.parse({"since": "2026-12-01", "until": "2026-12-01"}) == audit.Filters(
        since="2026-12-01T00:00:00Z", until="2026-12-01T23:59:59Z"
    )


@pytest.mark.parametrize(
    ("query", "field"),
    [
        ({"resource_type": "planet"}, "resource_type"),
        ({"since": "yesterday"}, "since"),
        ({"until": "10000-01-01T00:00:00"}, "until"),
        ({"since": "2026-12-02T00:00:00Z", "until": "2026-12-01T00:00:00Z"}, "until"),
        ({"actor": "x" * 255}, "actor"),
        ({"resource_id": "a\x00b"}, "resource_id"),
        ({"resource_id": "\ud800"}, "resource_id"),
    ],
)
def test_a_bad_filter_is_invalid_naming_it(query, field):
    with pytest.raises(Invalid) as raised:
        audit.Filters.parse(query)
    assert field in raised.value.fields


def _declared(view):
    """What a route's view declares it audits (the resource type, or None with a reason), through its wrappers."""
    while view is not None:
        if "audits" in vars(view):
            return view.audits, getattr(view, "not_audited_because", None)
        view = getattr(view, "__wrapped__", None)
    return "undeclared", None


def _undeclared(routes, wanted) -> list[str]:
    undeclared = []
    for path, methods in routes.items():
        for method, entry in methods.items():
            if wanted(path, method, entry.view_function):
                audits, reason = _declared(entry.view_function)
                if audits == "undeclared" or (audits is None and not reason):
                    undeclared.append(f"{method} {path}")
    return undeclared


def test_every_write_route_of_the_merchant_api_declares_the_resource_it_changes():
    import app as app_module

    undeclared = _undeclared(
        app_module.app.routes, lambda path, method, _: path.startswith("/api/admin/") and method in WRITES
    )
    assert undeclared == [], (
        "decorate each with @audited(RESOURCE, ...) (chalicelib/api/merchant/auditing.py), "
        "or @audited.exempt(reason) if it changes nothing of the shop"
    )


def test_every_web_admin_page_that_takes_a_form_declares_the_resource_it_changes():
    """Signing in, up and out and the password pages change the merchant's session, not the shop."""
    import app as app_module

    def page_of_the_shop(path, method, view):
        return (path == "/admin" or path.startswith("/admin/")) and method == "POST" and _module(view) != SESSION_PAGES

    undeclared = _undeclared(app_module.app.routes, page_of_the_shop)
    assert undeclared == [], (
        "decorate each with @audited.page(RESOURCE, ..., action=...) (chalicelib/api/merchant/auditing.py), "
        "@audited.creates(RESOURCE) for a page that records its create with screen_change, "
        "or @audited.exempt(reason) if it changes nothing of the shop"
    )


SESSION_PAGES = "chalicelib.api.admin.session"


def _module(view) -> str:
    while getattr(view, "__wrapped__", None) is not None:
        view = view.__wrapped__
    return view.__module__
