#!/usr/bin/env python3
"""Renders target/fuzz/report.json (`make fuzz`) as the README's fuzzing table; with
--readme, replaces the table between README.md's fuzz markers."""
import json
import subprocess
import sys
from datetime import date
from pathlib import Path

root = Path(__file__).resolve().parent.parent
report = json.loads((root / "target/fuzz/report.json").read_text())
rows = [
    "| target | runs asked | executions | coverage (edges / features) | corpus | seconds | crashes |",
    "| --- | ---: | ---: | ---: | ---: | ---: | ---: |",
]
for name, t in sorted(report["targets"].items()):
    rows.append(
        f"| `{name}` | {t.get('runs', 0):,} | {t['executions']:,} | {t['coverage']} / {t['features']} "
        f"| {t['corpus']} | {t['seconds']} | {t['crashes']} |"
    )
commit = subprocess.run(
    ["git", "rev-parse", "--short", "HEAD"], cwd=root, capture_output=True, text=True
).stdout.strip()
rows.append("")
rows.append(
    f"`nice -n 10 make fuzz` (toolchain {report['toolchain']}, sanitizer "
    f"{report['sanitizer']}), commit {commit}, "
    f"{date.today().isoformat()}."
)
table = "\n".join(rows)
if "--readme" in sys.argv:
    p = root / "README.md"
    s = p.read_text()
    a, b = "<!-- fuzz:start -->", "<!-- fuzz:end -->"
    i, j = s.index(a) + len(a), s.index(b)
    p.write_text(s[:i] + "\n" + table + "\n" + s[j:])
else:
    print(table)
