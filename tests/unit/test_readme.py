"""The README draws every workflow as its ASL file defines it (infra/diagrams.py)."""

import pytest

from infra import diagrams
from tests.support import ROOT


@pytest.mark.parametrize("workflow", sorted(diagrams.blocks()))
def test_the_readme_draws_the_workflow_as_its_asl_defines_it(workflow):
    assert diagrams.blocks()[workflow] in (ROOT / "README.md").read_text(), (
        f"redraw {workflow} in the README: python infra/diagrams.py"
    )
