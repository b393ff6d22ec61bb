"""Time `seed_demo` at scale on a fresh SQLite database in a temporary VAR_DIR.

Migrates and loads the reference data first (not timed), then times the whole
`seed_demo --organisations N --projects M` command (search index rebuild included), prints the
duration of each step as the command reports it, and one summary line:
`seed organisations=<N> seconds=<x>` (x: the whole command).
Run it with `make bench-seed`; BENCH_SEED_ORGANISATIONS / BENCH_SEED_PROJECTS change N and M.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
ORGANISATIONS = int(os.environ.get("BENCH_SEED_ORGANISATIONS", "100000"))
PROJECTS = int(os.environ.get("BENCH_SEED_PROJECTS", "30000"))


def manage(*args: str, env: dict[str, str]) -> str:
    done = subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=ROOT,
        env=env,
        check=True,
        stdout=subprocess.PIPE,
        text=True,
    )
    return done.stdout


def step_seconds(output: str, label: str) -> float:
    """The duration seed_demo printed for one step ("… en 12.3 s."), 0 if absent."""
    match = re.search(rf"^{label}.* en ([0-9.]+) s\.$", output, re.MULTILINE)
    return float(match.group(1)) if match else 0.0


def main() -> None:
    with tempfile.TemporaryDirectory(prefix="bench-seed-") as var_dir:
        env = {**os.environ, "VAR_DIR": var_dir, "DJANGO_ENV": "development"}
        env.pop("DATABASE_URL", None)  # always a fresh SQLite file
        manage("migrate", "--noinput", env=env)
        manage("createcachetable", env=env)
        manage("load_reference_data", env=env)
        start = time.perf_counter()
        output = manage(
            "seed_demo", "--organisations", str(ORGANISATIONS), "--projects", str(PROJECTS), env=env
        )
        seconds = time.perf_counter() - start
    print("\n".join(line for line in output.splitlines() if not line.startswith("  ")))
    organisations = step_seconds(output, "Structures de démonstration")
    projects = step_seconds(output, "Projets de démonstration")
    index = step_seconds(output, "Index de recherche")
    print(
        f"steps organisations={organisations:.1f}s projects={projects:.1f}s "
        f"search_index={index:.1f}s (whole command, with start-up and accounts: {seconds:.1f}s)"
    )
    print(f"seed organisations={ORGANISATIONS} seconds={seconds:.1f}")


if __name__ == "__main__":
    main()
