"""Ids and keys, pagination cursors, and request-body validation: the pure pieces under every API call."""

import base64
import json

import pytest

from chalicelib import clock, cursors, keys, schemas, validation
from chalicelib.errors import Invalid

# Ids and keys -------------------------------------------------------------


def test_new_ids_are_26_crockford_chars_and_sort_by_creation_time(monkeypatch):
    import time

    now = [1_700_000_000.000]
    monkeypatch.setattr(time, "time", lambda: now[0])
    earlier = keys.new_id()
    now[0] += 0.002
    later = keys.new_id()
    assert keys.is_id(earlier) and keys.is_id(later)
    assert len(earlier) == 26 and earlier < later


def test_two_ids_made_in_the_same_millisecond_differ():
    assert len({keys.new_id() for _ in range(500)}) == 500


@pytest.mark.parametrize("value", [None, 42, "", "abc", "I" * 26, "0" * 25, "0" * 27, "0123456789abcdefghjkmnpqrs"])
def test_strings_that_are_not_ids_are_refused(value):
    assert not keys.is_id(value)


def test_a_variant_id_leads_back_to_its_product_and_its_item():
    product_id = keys.new_id()
    variant_id = keys.new_variant_id(product_id)
    assert keys.product_id_of_variant(variant_id) == product_id
    assert keys.variant_sk(variant_id) == f"{keys.product_sk(product_id)}#VARIANT#{variant_id}"
    assert keys.variant_sk(variant_id).startswith(keys.product_sk(product_id))


@pytest.mark.parametrize(
    "value",
    [None, 7, "", "nounderscore", "a_b", "x_ABCDEFGH", "_ABCDEFGH", f"{'0' * 26}_short", f"{'0' * 26}_ABCDEFGH_X"],
)
def test_garbage_is_not_mistaken_for_a_variant_id(value):
    assert keys.product_id_of_variant(value) is None


def test_tenant_index_keys_begin_with_the_tenant_id():
    tid = keys.new_id()
    assert keys.products_gsi(tid).startswith(tid)
    assert keys.active_products_gsi(tid).startswith(tid)
    assert keys.products_gsi(tid) != keys.active_products_gsi(tid)


def test_platform_claims_for_subdomain_email_and_domain_never_collide():
    claims = {keys.subdomain_claim("acme"), keys.email_claim("acme"), keys.domain_claim("acme")}
    assert len(claims) == 3


# Cursors --------------------------------------------------------------------


def _raw_cursor(plain) -> str:
    return base64.urlsafe_b64encode(json.dumps(plain).encode()).decode().rstrip("=")


def test_a_cursor_round_trips_to_the_same_dynamodb_key():
    tid = keys.new_id()
    lek = {"pk": {"S": tid}, "sk": {"S": "PRODUCT#X"}, "gsi1pk": {"S": f"{tid}#PRODUCTS"}, "gsi1sk": {"S": "X"}}
    cursor = cursors.encode(lek)
    assert isinstance(cursor, str) and tid not in cursor  # opaque, not the raw key
    assert cursors.decode(cursor, tid) == lek


def test_the_last_page_has_no_cursor_and_no_cursor_means_the_first_page():
    assert cursors.encode(None) is None and cursors.encode({}) is None
    assert cursors.decode(None, "T") is None and cursors.decode("", "T") is None


@pytest.mark.parametrize(
    "cursor",
    [
        "%%%not-base64%%%",
        _raw_cursor("a string"),
        _raw_cursor([1, 2]),
        _raw_cursor({}),
        _raw_cursor({"pk": 5}),
        _raw_cursor({"pk": "OTHER", "sk": "PRODUCT#X"}),
        _raw_cursor({"pk": "TENANT1", "sk": "x", "password_hash": "y"}),
        _raw_cursor({"pk": "TENANT1", "sk": "a", "gsi1pk": "b", "gsi1sk": "c", "gsi2pk": "d"}),
        base64.urlsafe_b64encode(b"\xff\xfe\xfa").decode(),
        base64.urlsafe_b64encode(b"[" * 5000 + b"]" * 5000).decode(),  # a parser recursing per level
        _raw_cursor({"pk": "TENANT1\ud800", "sk": "x"}),
        "curs\u00f6r",
    ],
)
def test_forged_or_foreign_cursors_are_refused_naming_the_cursor(cursor):
    with pytest.raises(Invalid) as err:
        cursors.decode(cursor, "TENANT1")
    assert "cursor" in err.value.fields


def test_a_cursor_of_one_shop_is_refused_for_another():
    a, b = keys.new_id(), keys.new_id()
    cursor = cursors.encode({"pk": {"S": a}, "sk": {"S": "PRODUCT#1"}})
    with pytest.raises(Invalid):
        cursors.decode(cursor, b)


def test_a_cursor_of_one_list_is_refused_by_another_list_of_the_same_shop():
    tid = keys.new_id()
    admin = cursors.encode(
        {"pk": {"S": tid}, "sk": {"S": "PRODUCT#1"}, "gsi1pk": {"S": keys.products_gsi(tid)}, "gsi1sk": {"S": "1"}}
    )
    assert cursors.decode(admin, tid, index=("gsi1", keys.products_gsi(tid)))
    with pytest.raises(Invalid):
        cursors.decode(admin, tid, index=("gsi2", keys.active_products_gsi(tid)))


@pytest.mark.parametrize(
    "plain",
    [
        {"pk": "T1", "sk": "PRODUCT#1"},  # table keys only
        {"pk": "T1", "sk": "PRODUCT#1", "gsi1pk": "T1#ACTIVE", "gsi1sk": "1"},  # another partition of the index
        {"pk": "T1", "sk": "PRODUCT#1", "gsi1pk": "T1#PRODUCTS"},  # half an index key
    ],
)
def test_a_cursor_missing_or_bending_the_index_keys_is_refused(plain):
    with pytest.raises(Invalid):
        cursors.decode(_raw_cursor(plain), "T1", index=("gsi1", "T1#PRODUCTS"))


@pytest.mark.parametrize(
    "plain",
    [
        {"pk": "T1"},
        {"pk": "T1", "sk": "a", "gsi1pk": "T1#X", "gsi2sk": "b"},
        {"pk": "T1", "sk": "a", "gsi1pk": "T2#X", "gsi1sk": "b"},
    ],
)
def test_a_cursor_that_no_query_could_have_given_is_refused(plain):
    with pytest.raises(Invalid):
        cursors.decode(_raw_cursor(plain), "T1")


@pytest.mark.parametrize("value, expected", [(None, 50), ("", 50), ("1", 1), ("250", 250), (7, 7)])
def test_page_size_defaults_to_50_and_goes_up_to_250(value, expected):
    assert cursors.limit(value) == expected


@pytest.mark.parametrize(
    "value", ["0", "251", "-1", "x", "1.5", "1e3", " ", " 5", "\u00b2", "\u0663", "1_0", "9" * 5000]
)
def test_page_sizes_outside_1_to_250_are_refused_naming_limit(value):
    with pytest.raises(Invalid) as err:
        cursors.limit(value)
    assert err.value.fields == {"limit": "out of range"}


# Validation -------------------------------------------------------------------


def _product(**over):
    body = {"title": "Shirt", "status": "active", "variants": [{"sku": "S-1", "price": 100, "inventory_quantity": 1}]}
    body.update(over)
    return body


def test_an_empty_body_reads_as_an_empty_object():
    assert validation.parse_json(None) == {} and validation.parse_json(b"") == {}


@pytest.mark.parametrize(
    "raw", [b"{not json", "title=x", b"\xff\xfe", '{"a": 1', b'"\xed\xa0\x80"', '"a"'.encode("utf-16")]
)
def test_a_body_that_is_not_json_is_refused_naming_the_body(raw):
    with pytest.raises(Invalid) as err:
        validation.parse_json(raw)
    assert "body" in err.value.fields


def test_nesting_up_to_32_levels_is_read_and_deeper_is_refused_without_recursing():
    assert validation.parse_json("[" * 32 + "]" * 32) == eval("[" * 32 + "]" * 32)
    assert validation.parse_json('{"a": "' + "[" * 100 + '"}') == {"a": "[" * 100}  # brackets in strings
    for raw in ("[" * 33 + "]" * 33, '{"a":' * 5000 + "1" + "}" * 5000, "[" * 200_000):
        with pytest.raises(Invalid) as err:
            validation.parse_json(raw)
        assert err.value.fields == {"body": "at most 32 levels of nesting"}


@pytest.mark.parametrize(
    "raw, field",
    [
        ('{"a": "x\\ud800"}', "a"),
        ('{"a": [{"b": "\\udfff"}]}', "a[0].b"),
        ('{"a": {"\\ud800": 1}}', "a"),
        ('{"a": "x\\u0000y"}', "a"),
        ('"\\ud800"', "body"),
    ],
)
def test_lone_surrogates_and_nul_are_refused_naming_the_field(raw, field):
    with pytest.raises(Invalid) as err:
        validation.parse_json(raw)
    assert err.value.fields == {field: "contains a lone surrogate or a NUL character"}


@pytest.mark.parametrize("literal", ["NaN", "Infinity", "-Infinity", "1e309", "9007199254740992", "-1e16", "9" * 5000])
def test_numbers_that_are_not_finite_or_not_exact_in_json_are_refused(literal):
    with pytest.raises(Invalid) as err:
        validation.parse_json(f'{{"n": [{literal}]}}')
    assert list(err.value.fields) == ["n[0]"]


def test_whole_numbers_reach_the_domain_as_int_whatever_their_notation():
    body = validation.parse_json('{"a": 2438548.0, "b": [1e3, -0.0], "c": 1.5, "d": true, "e": 9007199254740991}')
    assert body == {"a": 2438548, "b": [1000, 0], "c": 1.5, "d": True, "e": 2**53 - 1}
    assert [type(v) for v in (body["a"], *body["b"], body["c"], body["d"])] == [int, int, int, float, bool]


def test_a_body_over_256_kib_is_refused_before_parsing():
    with pytest.raises(Invalid) as err:
        validation.parse_json(b" " * (validation.MAX_BODY_BYTES + 1))
    assert "body" in err.value.fields


def test_a_valid_product_passes_unchanged():
    body = _product()
    assert validation.check(body, schemas.PRODUCT_CREATE) is body


@pytest.mark.parametrize(
    "body, field",
    [
        ({"status": "active", "variants": [{"sku": "a", "price": 1, "inventory_quantity": 1}]}, "title"),
        (_product(variants=[{"price": 1, "inventory_quantity": 1}]), "variants[0].sku"),
        (_product(title=5), "title"),
        (_product(title="x" * 256), "title"),
        (_product(title=""), "title"),
        (_product(status="archived"), "status"),
        (_product(variants=[]), "variants"),
        (_product(variants="many"), "variants"),
        (_product(variants=[{"sku": "a", "price": -1, "inventory_quantity": 1}]), "variants[0].price"),
        (_product(variants=[{"sku": "a", "price": 1.5, "inventory_quantity": 1}]), "variants[0].price"),
        (_product(variants=[{"sku": "a", "price": "10", "inventory_quantity": 1}]), "variants[0].price"),
        (_product(variants=[{"sku": "a", "price": 1, "inventory_quantity": -3}]), "variants[0].inventory_quantity"),
        (
            _product(variants=[{"sku": "a", "price": 1, "inventory_quantity": 1, "currency": "usd"}]),
            "variants[0].currency",
        ),
        (_product(variants=[{"sku": "a", "price": 1, "inventory_quantity": 1, "colour": "red"}]), "variants[0].colour"),
        (_product(colour="red"), "colour"),
        (_product(description="d" * 20_001), "description"),
    ],
)
def test_each_bad_product_field_is_named(body, field):
    with pytest.raises(Invalid) as err:
        validation.check(body, schemas.PRODUCT_CREATE)
    assert field in err.value.fields, err.value.fields
    assert field in err.value.message


@pytest.mark.parametrize("body", [[], "text", 3, None])
def test_a_body_that_is_not_an_object_is_refused(body):
    with pytest.raises(Invalid) as err:
        validation.check(body, schemas.PRODUCT_CREATE)
    assert err.value.fields


def test_an_empty_patch_is_refused():
    with pytest.raises(Invalid):
        validation.check({}, schemas.PRODUCT_PATCH)


def test_signup_requires_a_ten_character_password():
    body = {"email": "a@b.co", "password": "123456789", "shop_name": "A", "subdomain": "abc"}
    with pytest.raises(Invalid) as err:
        validation.check(body, schemas.SIGNUP)
    assert "password" in err.value.fields


# Dates a client sends -------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "value, expected",
    [
        ("2026-03-01T10:00:00+02:00", "2026-03-01T08:00:00Z"),
        ("2026-03-01T10:00:00", "2026-03-01T10:00:00Z"),
        (" 1970-01-01T00:00:00Z ", "1970-01-01T00:00:00Z"),
        ("9999-12-31T23:59:59Z", "9999-12-31T23:59:59Z"),
    ],
)
def test_a_client_instant_is_read_in_utc(value, expected):
    assert clock.iso(clock.parse_instant(value, "starts_at")) == expected


@pytest.mark.parametrize(
    "value", ["0001-01-01T00:00:00+05:00", "9999-12-31T23:00:00-05:00", "0001-01-01T00:00:00", "1969-12-31T23:59:59Z"]
)
def test_an_instant_outside_1970_to_9999_is_refused_naming_the_field(value):
    with pytest.raises(Invalid) as err:
        clock.parse_instant(value, "ends_at")
    assert list(err.value.fields) == ["ends_at"]


# Names and titles ----------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "char", ["\x00", "\x07", "\t", "\n", "\x7f", "\x9b", "\u2028", "\u202a", "\u202e", "\u2066", "\u2069"]
)
def test_a_title_with_a_control_or_bidi_override_character_is_refused(char):
    with pytest.raises(Invalid) as err:
        validation.check(_product(title=f"Sale{char}gpj.exe"), schemas.PRODUCT_CREATE)
    assert err.value.fields == {"title": "must not contain control or bidirectional-override characters"}


def test_titles_in_any_script_with_marks_pass():
    for title in ("Чай", "日本茶", "שלום\u200f 2", "café ☕"):
        assert validation.check(_product(title=title), schemas.PRODUCT_CREATE)


@pytest.mark.parametrize(
    "url", ["https://track.example/1 2", "https://track.example/\n1", "https://x.example/\u202e", "ftp://x"]
)
def test_a_tracking_url_with_spaces_controls_or_bidi_overrides_is_refused(url):
    with pytest.raises(Invalid) as err:
        validation.check({"status": "in_transit", "tracking_url": url}, schemas.FULFILMENT_STATUS_CHANGE)
    assert err.value.fields == {"tracking_url": schemas.PATTERN_RULES[schemas.URL_PATTERN]}
    assert validation.check(
        {"status": "in_transit", "tracking_url": "https://t.example/?n=1Z%20"}, schemas.FULFILMENT_STATUS_CHANGE
    )
