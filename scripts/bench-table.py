#!/usr/bin/env python3
"""Renders the benchmark table of docs/performance.md (the README's performance guide) from
target/bench/report.json (`make bench` writes it), so the figures in the guide are the report's,
not a retyped copy.

    python3 scripts/bench-table.py            # prints the Markdown table
"""
import json

r = json.load(open("target/bench/report.json"))


def f(key, unit):
    v = r[key]
    if unit == "B":
        return f"{v:,} B"
    if unit == "ms":
        return f"{v:.3f} ms" if v < 1 else f"{v:.2f} ms"
    if unit == "ns":
        return f"{v:,.0f} ns" if v >= 100 else f"{v:.1f} ns"
    if unit == "us":
        return f"{v:,.0f} µs"
    return f"{v:g}"


ROWS = [
    # label, ours, unit, competitor label, competitor key, budget key
    ("wasm, every capability (gzip)", "wasm_bytes", "B", "", None, "wasm_bytes_target", "wasm_gzip_bytes"),
    ("wasm, roles and permissions alone (gzip)", "wasm_bytes_roles_only", "B", "", None, "wasm_bytes_roles_only_target", "wasm_gzip_bytes_roles_only"),
    ("fresh context, every capability configured: import + define + first `can`", "fresh_context_ms_full", "ms", "@casl/ability", "fresh_context_ms_casl", "fresh_context_ms_full_target", None),
    ("  same, extra over a convex/server-only module", "fresh_context_extra_ms_full", "ms", "@casl/ability", "fresh_context_extra_ms_casl", None, None),
    ("  same, after a full GC (cold caches)", "fresh_context_ms_full_after_gc", "ms", "@casl/ability", "fresh_context_ms_casl_after_gc", "fresh_context_ms_full_after_gc_target", None),
    ("  same, extra under sustained load (mean, collections included)", "fresh_context_sustained_extra_ms_full", "ms", "@casl/ability", "fresh_context_sustained_extra_ms_casl", None, None),
    ("same request with `compiledPolicy` (`npx convex-guard compile`)", "fresh_context_ms_full_compiled", "ms", "@casl/ability", "fresh_context_ms_casl", "fresh_context_ms_full_compiled_target", None),
    ("  same, extra over a convex/server-only module", "fresh_context_extra_ms_full_compiled", "ms", "@casl/ability", "fresh_context_extra_ms_casl", None, None),
    ("  same, after a full GC (cold caches)", "fresh_context_ms_full_compiled_after_gc", "ms", "@casl/ability", "fresh_context_ms_casl_after_gc", "fresh_context_ms_full_compiled_after_gc_target", None),
    ("fresh context, roles and permissions only", "fresh_context_ms", "ms", "@casl/ability", "fresh_context_ms_casl", None, None),
    ("  same, without `Uint8Array.fromBase64`", "fresh_context_ms_fallback", "ms", "", None, None, None),
    ("  same, after a full GC (cold caches)", "fresh_context_ms_after_gc", "ms", "@casl/ability", "fresh_context_ms_casl_after_gc", None, None),
    ("hot `can`", "hot_can_ns", "ns", "plain TypeScript", "hot_can_ns_plain_ts", "hot_can_ns_target", None),
    ("  ", "hot_can_ns", "ns", "@casl/ability", "hot_can_ns_casl", None, None),
    ("  ", "hot_can_ns", "ns", "casbin `enforceSync`", "hot_can_ns_casbin", None, None),
    ("hot `roleAtLeast`", "hot_role_ns", "ns", "plain TypeScript", "hot_role_ns_plain_ts", "hot_role_ns_target", None),
    ("access: 100 documents in one call, per document", "access_batch_ns_per_doc", "ns", "plain TypeScript resolver", "access_batch_ns_per_doc_plain_ts", None, None),
    ("rate limit: one pure token-bucket decision (`decideRateLimit`)", "ratelimit_decision_ns", "ns", "@convex-dev/rate-limiter `calculateRateLimit`", "ratelimit_decision_ns_convex_rate_limiter", "ratelimit_decision_ns_target", None),
    ("  same, as a batch of one (`decideRateLimits`)", "ratelimit_batch_decision_ns", "ns", "@convex-dev/rate-limiter `calculateRateLimit`", "ratelimit_decision_ns_convex_rate_limiter", None, None),
    ("rate limit: documents read per check (1000 earlier requests)", "ratelimit_docs_read_per_check", "", "one row per request", "ratelimit_docs_read_per_check_row_per_request", None, None),
    ("rate limit: documents written per check", "ratelimit_docs_written_per_check", "", "one row per request", "ratelimit_docs_written_per_check_row_per_request", None, None),
    ("rate limit: time per check in convex-test", "ratelimit_check_ms", "ms", "one row per request", "ratelimit_check_ms_row_per_request", None, None),
    ("code: issue one 8-digit code (engine only)", "code_issue_ns", "ns", "nanoid `customAlphabet` (pooled bytes)", "code_issue_ns_nanoid", None, None),
    ("code: issue with HMAC (`crypto.subtle`)", "code_issue_full_us", "us", "", None, None, None),
    ("`convex-guard audit` of a 200-function app (wall)", "audit_200_functions_ms", "ms", "", None, "audit_200_functions_ms_target", None),
    ("browser: `can` + `roleAtLeast` via `convex-guard/client/roles` (gzip)", "browser_roles_bytes", "B", "", None, "browser_roles_gzip_bytes_target", "browser_roles_gzip_bytes"),
    ("browser: every pure decision via `convex-guard/client` (gzip)", "browser_client_bytes", "B", "", None, "browser_client_gzip_bytes_target", "browser_client_gzip_bytes"),
    ("browser: `can` + `roleAtLeast` via `convex-guard` (gzip)", "browser_main_bytes", "B", "", None, None, "browser_main_gzip_bytes"),
    ("request with every capability configured: fresh context", "reuse_fresh_request_ms", "ms", "", None, None, None),
    ("  same request in a reused context (`experimental_reuseContext`)", "reuse_reused_request_ns", "ns", "", None, None, None),
]

print("| measure | convex-guard | compared with | theirs | ours ÷ theirs | budget |")
print("| --- | --- | --- | --- | --- | --- |")
for label, key, unit, who, theirs, target, gz in ROWS:
    ours = f(key, unit) + (f" ({f(gz, 'B')})" if gz else "")
    if label.strip() == "":
        ours = "″"
    comp = f(theirs, unit) if theirs else ""
    ratio = f"{r[key] / r[theirs]:.2f}x" if theirs and r[theirs] else ""
    budget = r.get(target, "") if target else ""
    print(f"| {label.strip() or '″'} | {ours} | {who} | {comp} | {ratio} | {budget} |")
print()
print(f"Measured by `make bench` on {r['cpu']} ({r['cpu_count']} cores), Node {r['node_version']}, commit {r['commit']}, {r['date'][:10]}.")
