"""`make bench`: runs every benchmark script in this directory, one process each."""

import subprocess
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent

if __name__ == "__main__":
    failed = 0
    for script in sorted(p for p in HERE.glob("*.py") if p.name != "run.py" and not p.name.startswith("_")):
        print(f"== {script.name}", flush=True)
        failed |= subprocess.call([sys.executable, str(script)])
    sys.exit(failed)
