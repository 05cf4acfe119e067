#!/usr/bin/env bash
# Replaces the table between the bench markers of docs/performance.md (the README's performance
# guide, where the Benchmarks section lives) with one rendered from target/bench/report.json
# (run `make bench` first).
set -euo pipefail
cd "$(dirname "$0")/.."
table=$(python3 scripts/bench-table.py)
python3 - "$table" <<'PY'
import sys
p = "docs/performance.md"
s = open(p).read()
a, b = "<!-- bench:start -->", "<!-- bench:end -->"
i, j = s.index(a) + len(a), s.index(b)
open(p, "w").write(s[:i] + "\n" + sys.argv[1] + "\n" + s[j:])
PY
