"""The sandbox merchants' templates run in: each hostile template is refused before it runs, or cut off while it
runs, with the line it went wrong on; a fair template renders."""

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from chalicelib import storefront, template_sandbox
from chalicelib.template_sandbox import Refused

THEME = {
    "base.html": "<!doctype html><html><body>{% block content %}{% endblock %}</body></html>",
    "parts.html": "{% macro price(amount) %}<b>{{ amount }}</b>{% endmacro %}",
}


def _env(page: str):
    """As the storefront makes one: with gettext and its filters (languages.install)."""
    templates = {**THEME, "page.html": page}
    loader = template_sandbox.Allowed(templates, lambda name: f"{name} (edited)")
    return storefront.environment(loader, template_sandbox.HardenedEnvironment)


def render(page: str, **context) -> str:
    """Checked, then rendered, as a draft is before it is saved."""
    env = _env(page)
    template_sandbox.static_check(env, page, "page.html")
    return template_sandbox.render(env.get_template("page.html"), context, ["page.html (edited)"])


def refusal(page: str, **context) -> Refused:
    with pytest.raises(Refused) as refused:
        render(page, **context)
    return refused.value


def test_a_fair_template_renders_with_its_theme_and_macros():
    page = (
        "{% extends 'base.html' %}{% import 'parts.html' as parts %}"
        "{% block content %}<h1>{{ shop.name|upper }}</h1>{{ parts.price(250000) }} {{ 12 * 3 }}{% endblock %}"
    )
    assert render(page, shop={"name": "Acme"}) == (
        "<!doctype html><html><body><h1>ACME</h1><b>250000</b> 36</body></html>"
    )


def test_html_in_data_is_escaped():
    assert render("{{ name }}", name="<script>alert(1)</script>") == "&lt;script&gt;alert(1)&lt;/script&gt;"


@pytest.mark.parametrize(
    "page",
    [
        "{{ ''.__class__.__mro__[1].__subclasses__() }}",
        "\n\n{{ cycler.__init__.__globals__ }}",
        "{{ ''['__class__'] }}",
    ],
)
def test_walking_to_python_internals_is_refused_before_it_runs(page):
    refused = refusal(page)
    assert "is not reachable from a template" in refused.reason
    assert refused.line == page.count("\n") + 1


def test_internals_reached_by_a_computed_name_are_refused_while_rendering():
    refused = refusal("{% set u = '_' ~ '_' %}\n{{ ''[u ~ 'class' ~ u][u ~ 'mro' ~ u][1][u ~ 'subclasses' ~ u]() }}")
    assert refused.line == 2
    assert "not allowed" in refused.reason or "unsafe" in refused.reason


def test_a_range_of_a_billion_is_refused():
    refused = refusal("{% for i in range(10**9) %}x{% endfor %}")
    assert "Range too big" in refused.reason


def test_nested_loops_are_cut_off_at_the_deadline_on_their_line():
    refused = refusal("<p>\n{% for i in range(100000) %}{% for j in range(100000) %}{% endfor %}{% endfor %}")
    assert refused.reason.startswith("the page took over")
    assert refused.line == 2


def test_a_recursive_macro_is_stopped():
    refused = refusal("{% macro f(n) %}{{ f(n + 1) }}{% endmacro %}{{ f(0) }}")
    assert refused.reason in ("templates call each other too deeply",) or "took over" in refused.reason


def test_huge_output_is_cut_off():
    refused = refusal("{% for i in range(100000) %}{{ 'x' * 100 }}{% endfor %}")
    assert refused.reason.startswith("the page is over")


@pytest.mark.parametrize(
    "page",
    [
        "{{ 'a' * 1000000000 }}",
        "{{ [1] * 1000000000 }}",
        "{{ 9 ** 9999999 }}",
        "{{ 10 ** 1000 * 10 ** 1000 * 10 ** 1000 * 10 ** 1000 * 10 ** 1000 }}",
        "{{ '%999999999s' % 'x' }}",
        "{{ '%*s' % (999999999, 'x') }}",
        "{{ _('%(x)999999999s', x=1) }}",
        "{{ '%999999999s'|format('x') }}",
        "{{ 'x'|center(1000000000) }}",
        "{{ 'x'|indent(10000, true)|indent(10000, true) ~ ('\n' * 2000)|indent(10000) }}",
        "{{ ('x' * 5000)|replace('', 'y' * 5000) }}",
        "{{ range(100000)|list|join('y' * 1000) }}",
        "{{ ('y' * 1000).join(range(100000)|map('string')) }}",
        "{{ ('x' * 5000).replace('', 'y' * 5000) }}",
        "{% set ns = namespace(s='xxxxxxxxxx') %}{% for i in range(60) %}{% set ns.s = ns.s ~ ns.s %}{% endfor %}",
        "{% set ns = namespace(s='xxxxxxxxxx') %}{% for i in range(60) %}{% set ns.s = ns.s + ns.s %}{% endfor %}",
        "{% macro f(s) %}{{ f(s ~ s) }}{% endmacro %}{{ f('ab') }}",
        "{% set l = [] %}{% for i in range(100) %}{% set _ = l.append('x' * 1000000) %}{% endfor %}",
    ],
)
def test_values_that_would_outgrow_memory_are_refused_before_they_are_built(page):
    refused = refusal(page)
    assert refused.line == 1
    assert "not allowed" in refused.reason or "too large" in refused.reason


@pytest.mark.parametrize(
    "page",
    [
        "{{ 'x'.ljust(1000000000) }}",
        "{{ 'x'.zfill(1000000000) }}",
        "{{ '{0:>999999999}'.format(1) }}",
        "{{ '{0:>999999999}'.format_map({}) }}",
        "{{ [].extend([1]) }}",
        "{{ {}.setdefault('a', 1) }}",
    ],
)
def test_methods_that_grow_or_mutate_are_not_reachable(page):
    assert "unsafe" in refusal(page).reason


@pytest.mark.parametrize(
    "page",
    [
        "{% include '../../admin/base.html' %}",
        "{% include '/etc/passwd' %}",
        "{% extends 'themes/other/base.html' %}",
        "{% import 'emails/order.html' as mail %}",
    ],
)
def test_only_the_themes_own_templates_can_be_named(page):
    refused = refusal(page)
    assert "is not a template of this theme" in refused.reason
    assert refused.line == 1


def test_a_template_named_at_render_time_must_be_the_themes_own_too():
    refused = refusal("{% set where = '../' %}\n{% include where ~ 'admin/base.html' %}")
    assert refused.reason == "'../admin/base.html' is not a template of this theme"
    assert refused.line == 2


@pytest.mark.parametrize(
    ("page", "reason"),
    [
        ("<p>\n<script>alert(1)</script>", "inline <script>"),
        ("<a href='#' onclick='steal()'>x</a>", "runs inline script"),
        ("<a href=' javascript:steal()'>x</a>", "javascript: link"),
        ("<p style='color:red'>x</p>", "inline style"),
        ("<style>p{}</style>", "<style>"),
        ("<script src='/a.js'>steal()</script>", "must be empty"),
    ],
)
def test_inline_script_in_the_source_is_refused_on_its_line(page, reason):
    refused = refusal(page)
    assert reason in refused.reason
    assert refused.line == page.count("\n") + 1


def test_inline_script_built_at_render_time_is_found_in_the_page():
    refused = refusal("{{ ('<scr' ~ 'ipt>steal()</scr' ~ 'ipt>')|safe }}")
    assert "inline <script>" in refused.reason


def test_script_files_and_json_ld_are_fine():
    page = "<script src='/assets/default/cart.js' defer></script><script type='application/ld+json'>{\"a\": 1}</script>"
    assert render(page) == page


_JINJA_BITS = st.sampled_from(
    [
        "{{",
        "}}",
        "{%",
        "%}",
        "for x in range(9)",
        "endfor",
        "if",
        "endif",
        "include",
        "'base.html'",
        "~",
        "*",
        "**",
        "%",
        "(",
        ")",
        "[",
        "]",
        ".",
        "_",
        "__class__",
        "|join",
        "|replace('', 'x')",
        "9" * 6,
        "<script>",
        "\n",
        "'",
        '"',
    ]
)


@settings(max_examples=300, deadline=None)
@given(st.lists(st.one_of(_JINJA_BITS, st.text(max_size=5)), max_size=40).map("".join))
def test_any_text_either_renders_or_is_refused(page):
    """Whatever a merchant types, the answer is a page or a Refused naming why, never another error."""
    try:
        render(page)
    except Refused as refused:
        assert refused.reason


@pytest.mark.parametrize(
    "page",
    ["{{ " + "(" * 5000 + "1" + ")" * 5000 + " }}", "{% if 1 %}" * 3000 + "{% endif %}" * 3000],
)
def test_expressions_nested_past_the_parsers_depth_are_refused(page):
    assert refusal(page).reason == "expressions nest too deeply"
