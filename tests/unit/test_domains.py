"""The DNS side of custom domains: dnspython's answers and failures as domains.DnsResolver reads them."""

from types import SimpleNamespace

import dns.exception
import dns.resolver
import pytest

from chalicelib import domains


@pytest.mark.parametrize(
    "failure", [dns.resolver.NXDOMAIN(), dns.resolver.NoAnswer(), dns.resolver.NoNameservers(), dns.exception.Timeout()]
)
def test_a_name_without_a_record_or_a_silent_dns_finds_nothing_yet(monkeypatch, failure):
    def resolve(name, rdtype, lifetime):
        raise failure

    monkeypatch.setattr(dns.resolver, "resolve", resolve)
    assert domains.DnsResolver().txt("_shopbuilder-verification.acme.example") == []


def test_a_txt_record_split_in_strings_reads_as_one_value(monkeypatch):
    asked = []

    def resolve(name, rdtype, lifetime):
        asked.append((name, rdtype))
        return [SimpleNamespace(strings=[b"shopbuilder-verification=", b"abc"]), SimpleNamespace(strings=[b"v=spf1"])]

    monkeypatch.setattr(dns.resolver, "resolve", resolve)
    assert domains.DnsResolver().txt("_shopbuilder-verification.acme.example") == [
        "shopbuilder-verification=abc",
        "v=spf1",
    ]
    assert asked == [("_shopbuilder-verification.acme.example", "TXT")]


def test_published_records_answer_by_name_whatever_its_case():
    records = domains.PublishedRecords()
    records.publish("_shopbuilder-verification.Acme.example.", "shopbuilder-verification=abc")
    assert records.txt("_shopbuilder-verification.acme.example") == ["shopbuilder-verification=abc"]
    assert records.txt("_shopbuilder-verification.other.example") == []
