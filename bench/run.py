"""`make bench`: runs every benchmark script in this directory, one process each, then one table of every target.

Each script records its targets in bench/results/<name>.json under "targets" (bench/performance.py's target_row);
the table is also written to bench/results/targets.md.
"""

import json
import subprocess
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
RESULTS = HERE / "results"


def targets_table(results: list[Path]) -> str:
    lines = ["| bench | target | figure (median) | bound | |", "|---|---|---|---|---|"]
    for path in results:
        rows = json.loads(path.read_text()).get("targets")
        for row in rows if isinstance(rows, list) else []:  # a result written before targets were rows has none
            unit = row["unit"]
            lines.append(
                f"| {path.stem} | {row['name']} | {row['figure']:g}{unit} | <= {row['target']:g}{unit} "
                f"| {'met' if row['met'] else 'MISSED'} |"
            )
    return "\n".join(lines) + "\n"


if __name__ == "__main__":
    failed = 0
    for script in sorted(p for p in HERE.glob("*.py") if p.name != "run.py" and not p.name.startswith("_")):
        print(f"== {script.name}", flush=True)
        failed |= subprocess.call([sys.executable, str(script)])
    table = targets_table(sorted(p for p in RESULTS.glob("*.json") if isinstance(json.loads(p.read_text()), dict)))
    (RESULTS / "targets.md").write_text(table)
    print("\n== every target\n" + table)
    sys.exit(failed)
