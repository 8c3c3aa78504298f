"""The README's table of faults and outcomes is the one `outcomes.table()` renders, so it cannot drift from
what the cases assert."""

from tests.faults import outcomes
from tests.support import ROOT


def test_the_readme_shows_what_each_fault_comes_to():
    assert outcomes.table() in (ROOT / "README.md").read_text(), (
        "update the README's fault table: python -c 'from tests.faults import outcomes; print(outcomes.table())'"
    )
