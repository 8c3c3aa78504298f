"""The README's workflow diagrams, drawn from the ASL files (Mermaid state diagrams).

`python infra/diagrams.py` prints one ```mermaid block per workflow; tests/unit/test_readme.py checks
that the README shows exactly these, so a changed workflow is redrawn in the same change.
"""

import json
from pathlib import Path

WORKFLOWS = Path(__file__).resolve().parent / "workflows"
_COMPARISONS = {
    "StringEquals": "=",
    "NumericEquals": "=",
    "BooleanEquals": "=",
    "NumericGreaterThan": ">",
    "NumericLessThan": "<",
}


def _condition(choice: dict) -> str:
    """`$.payment.status = requested` for the rule forms the workflows use."""
    for rule, sign in _COMPARISONS.items():
        if rule in choice:
            value = json.dumps(choice[rule]) if isinstance(choice[rule], bool) else choice[rule]
            return f"{choice['Variable'].removeprefix('$.')} {sign} {value}"
    raise ValueError(f"no drawing for the Choice rule {choice}")


def _errors(names: list[str]) -> str:
    return "any error" if names == ["States.ALL"] else ", ".join(names)


def mermaid(asl: dict) -> str:
    """One state diagram: every transition the definition allows (Next, Choice rules, Catch), labelled."""
    lines = ["stateDiagram-v2"]
    lines += [f"    state {name} <<choice>>" for name, s in asl["States"].items() if s["Type"] == "Choice"]
    lines.append(f"    [*] --> {asl['StartAt']}")
    for name, state in asl["States"].items():
        if state["Type"] == "Choice":
            lines += [f"    {name} --> {c['Next']}: {_condition(c)}" for c in state["Choices"]]
            lines.append(f"    {name} --> {state['Default']}: otherwise")
            continue
        if "Next" in state:
            lines.append(f"    {name} --> {state['Next']}")
        if state.get("End") or state["Type"] in ("Succeed", "Fail"):
            lines.append(f"    {name} --> [*]")
        lines += [f"    {name} --> {c['Next']}: {_errors(c['ErrorEquals'])}" for c in state.get("Catch", [])]
    return "\n".join(lines)


def blocks() -> dict[str, str]:
    """Each workflow's ```mermaid block, by file name."""
    return {
        path.name: "```mermaid\n" + mermaid(json.loads(path.read_text())) + "\n```"
        for path in sorted(WORKFLOWS.glob("*.asl.json"))
    }


if __name__ == "__main__":
    for name, block in blocks().items():
        print(f"{name}:\n\n{block}\n")
