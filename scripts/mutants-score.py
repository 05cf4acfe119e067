#!/usr/bin/env python3
"""Prints and records the mutation score of a cargo-mutants run (`make mutants`).

Reads <mutants.out>/outcomes.json and writes <mutants.out>/../score.json: score = caught /
(caught + missed); timeouts and unviable mutants are counted and listed apart, as is every
missed mutant, so the README can say why each survivor is harmless.
"""
import json
import sys
from pathlib import Path

out = Path(sys.argv[1] if len(sys.argv) > 1 else "target/mutants/mutants.out")
outcomes = json.loads((out / "outcomes.json").read_text())["outcomes"]
by = {"CaughtMutant": [], "MissedMutant": [], "Timeout": [], "Unviable": []}
for o in outcomes:
    scenario = o.get("scenario")
    if not isinstance(scenario, dict) or "Mutant" not in scenario:
        continue  # the baseline
    m = scenario["Mutant"]
    name = m.get("name", "")
    if not name.startswith(str(m.get("file"))):
        line = m.get("span", {}).get("start", {}).get("line", "?")
        name = f'{m.get("file")}:{line}: {name}'
    by.setdefault(o.get("summary"), []).append(name)
caught, missed = len(by["CaughtMutant"]), len(by["MissedMutant"])
tested = caught + missed
score = caught / tested if tested else 0.0
report = {
    "mutants": sum(len(v) for v in by.values()),
    "caught": caught,
    "missed": missed,
    "timeout": len(by["Timeout"]),
    "unviable": len(by["Unviable"]),
    "score": round(score, 4),
    "missed_mutants": sorted(by["MissedMutant"]),
    "timeout_mutants": sorted(by["Timeout"]),
}
(out.parent / "score.json").write_text(json.dumps(report, indent=2) + "\n")
for name in report["missed_mutants"]:
    print("MISSED  ", name)
for name in report["timeout_mutants"]:
    print("TIMEOUT ", name)
print(
    f"mutation score: {score:.1%} ({caught} caught / {tested}); "
    f"{report['timeout']} timeouts, {report['unviable']} unviable, of {report['mutants']} mutants"
)
