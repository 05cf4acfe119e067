//! `js/generated/wire.ts` is the TypeScript twin of `convex_guard::wire`: this test fails when
//! the committed file differs from what the Rust definitions render. `make wire` (this test
//! with `WRITE_WIRE=1`) writes it.

#![allow(clippy::unwrap_used)]

use convex_guard::wire;

const PATH: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/js/generated/wire.ts");

/// With `WRITE_WIRE`, writes `want` to `path`; else fails unless `path` holds exactly `want`.
fn check_current(path: &str, want: &str) {
    if std::env::var_os("WRITE_WIRE").is_some() {
        std::fs::write(path, want).unwrap();
        return;
    }
    let have = std::fs::read_to_string(path).unwrap_or_default();
    assert!(
        have == want,
        "{path} is stale (or missing): run `make wire` and commit it"
    );
}

#[test]
fn generated_typescript_is_current() {
    check_current(PATH, &wire::typescript());
}

/// The tables of message templates (`js/generated/messages.ts` and the browser entries'
/// smaller `messages-*.ts`), each checked the same way.
#[test]
fn generated_browser_messages_are_current() {
    for (file, _, text) in wire::typescript_messages() {
        let path = format!("{}/js/generated/{file}", env!("CARGO_MANIFEST_DIR"));
        check_current(&path, &text);
    }
}

/// Every template the decision modules behind each smaller module can send is in its table:
/// the roles-only module's errors come from `src/policy.rs` alone; the client module's also
/// from access levels, times, rate limits and their wire readers. A template used there past
/// the table's end would reach the page as an empty message.
#[test]
fn browser_message_tables_hold_every_template_their_module_sends() {
    use convex_guard::error::Msg;
    let id = |name: &str| {
        Msg::ALL
            .iter()
            .position(|m| format!("{m:?}") == name)
            .unwrap_or(usize::MAX) // not a template: fails the assertion below
    };
    let sources: [(&str, &[&str]); 2] = [
        ("messages-roles.ts", &["policy.rs", "bindings/policy.rs"]),
        (
            "messages-client.ts",
            &[
                "policy.rs",
                "ladder.rs",
                "access.rs",
                "time.rs",
                "ratelimit.rs",
                "wire.rs",
                "bindings/mod.rs",
                "bindings/policy.rs",
                "bindings/access.rs",
                "bindings/ratelimit.rs",
            ],
        ),
    ];
    let tables = wire::typescript_messages();
    for (file, modules) in sources {
        let (_, end, _) = tables.iter().find(|(f, _, _)| *f == file).unwrap();
        let mut checked = 0;
        for module in modules {
            let path = format!("{}/src/{module}", env!("CARGO_MANIFEST_DIR"));
            let text = std::fs::read_to_string(&path).unwrap();
            for used in text.split("Msg::").skip(1) {
                let name: String = used
                    .chars()
                    .take_while(char::is_ascii_alphanumeric)
                    .collect();
                if name.is_empty() || name == "ALL" {
                    continue;
                }
                assert!(
                    id(&name) < *end,
                    "{module} sends Msg::{name}, past {file}'s {end} templates"
                );
                checked += 1;
            }
        }
        assert!(checked > 10, "{file}: only {checked} uses found");
    }
}

#[test]
fn rate_limit_record_offsets_follow_the_records_order() {
    use wire::ratelimit::*;
    // The binding reads a request record and writes a decision record as arrays in this order.
    let input = [
        IN_LIMIT,
        IN_SHARD,
        IN_COUNT,
        IN_HAS_STATE,
        IN_T,
        IN_A,
        IN_B,
        IN_LOG_LEN,
    ];
    let output = [
        OUT_OK,
        OUT_REMAINING,
        OUT_RETRY_AFTER,
        OUT_WRITE,
        OUT_T,
        OUT_A,
        OUT_B,
        OUT_LOG_LEN,
    ];
    assert_eq!(input.to_vec(), (0..IN).collect::<Vec<_>>());
    assert_eq!(output.to_vec(), (0..OUT).collect::<Vec<_>>());
    assert_eq!([ANSWER_OK, ANSWER_RETRY_AFTER].len(), ANSWER_HEAD);
}

#[test]
fn role_and_level_ids_are_positions() {
    let mut b = convex_guard::policy::PolicyBuilder::default();
    for r in ["a", "b", "c"] {
        b.role(r).unwrap();
    }
    let p = b.build().unwrap();
    for (i, r) in ["a", "b", "c"].iter().enumerate() {
        assert_eq!(p.role_index(r), Some(wire::policy::FIRST_ROLE + i as u32));
    }
    let levels = convex_guard::access::Levels::standard();
    for (i, n) in levels.names().iter().enumerate() {
        assert_eq!(
            levels.level(n).unwrap(),
            wire::access::FIRST_LEVEL + i as u8
        );
    }
}

#[test]
fn at_least_is_the_engines_rule() {
    let ts = wire::typescript();
    // Requiring no level is refused; a higher level allows a lower requirement.
    assert!(ts.contains("export const ACCESS_AT_LEAST = [0x0, 0x1fffe, 0x1fffc,"));
}

#[test]
fn the_listing_page_table_is_the_engines_rule_and_fits_convexs_limit() {
    use convex_guard::access::{
        listing_page_items, LISTING_READ_BUDGET, MAX_CALLER_GROUPS, MAX_PARENT_DEPTH,
    };
    let ts = wire::typescript();
    let line = ts
        .lines()
        .find(|l| l.starts_with("export const LISTING_PAGE_ITEMS = ["))
        .unwrap(); // the table is generated
    let inner = &line[line.find('[').unwrap() + 1..line.find(']').unwrap()];
    let table: Vec<usize> = inner.split(", ").map(|n| n.parse().unwrap()).collect();
    // Every count of groups a caller can have, one past the bound too (the engine refuses it).
    for groups in 0..=MAX_CALLER_GROUPS + 1 {
        let looked_up = table.get(groups).copied().unwrap_or(1); // listingPageItems' `?? 1`
        assert_eq!(looked_up, listing_page_items(groups), "{groups} groups");
        // A page's reads: per document and ancestor, the document, the caller's grants and
        // one range per group; then one read per group row and the page, membership and
        // users queries. Within the budget, or one document within Convex's 4,096.
        let page = listing_page_items(groups) * (MAX_PARENT_DEPTH + 1) * (2 + groups);
        assert!(page <= LISTING_READ_BUDGET || listing_page_items(groups) == 1);
        assert!(page + groups + 3 < 4096, "{groups} groups: {page}");
    }
    assert_eq!(table.last(), Some(&1));
}

const SAMPLES: &str = concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/tests/vectors/engine-messages.json"
);

/// Every message template, filled with sample values (alone, and after another template the
/// way an error is reported within a role), as the engine hands it to JavaScript and as
/// `Error::message` renders it: `tests/node/engine-messages.test.mjs` checks that the generated
/// `fillEngineMessage` renders each exactly the same. Written with `WRITE_WIRE=1`.
fn samples() -> String {
    use convex_guard::error::{Error, Kind, Msg};
    use convex_guard::wire::{error_parts, Part};
    let mut rows = Vec::new();
    for (i, &m) in Msg::ALL.iter().enumerate() {
        let t = m.template();
        let texts: Vec<String> = (0..t.matches("{s}").count())
            .map(|j| format!("t{i}.{j} {{s}} é"))
            .collect();
        let texts: Vec<&str> = texts.iter().map(String::as_str).collect();
        let nums: Vec<u64> = (0..t.matches("{n}").count())
            .map(|j| (i * 10 + j) as u64 * 1_000_003)
            .collect();
        let alone = Error::argument(&[m], &texts, &nums);
        let within = alone.clone().within(Kind::Config, Msg::InRole, &["r"], &[]);
        for e in [alone, within] {
            let mut parts = Vec::new();
            error_parts(&e, |p| {
                parts.push(match p {
                    Part::Num(n) => serde_json::json!(n),
                    Part::Text(t) => serde_json::json!(t),
                })
            });
            rows.push(serde_json::json!({ "parts": parts, "message": e.message() }));
        }
    }
    serde_json::to_string_pretty(&rows).unwrap() + "\n"
}

#[test]
fn engine_message_samples_are_current() {
    check_current(SAMPLES, &samples());
}

#[test]
fn every_template_renders_its_values() {
    use convex_guard::error::{Error, Msg};
    for &m in Msg::ALL {
        let t = m.template();
        let texts = vec!["«x»"; t.matches("{s}").count()];
        let nums = vec![987_654_321; t.matches("{n}").count()];
        let msg = Error::config(&[m], &texts, &nums).message();
        assert!(!msg.contains("{s}") && !msg.contains("{n}"), "{msg}");
        assert_eq!(msg.matches("«x»").count(), texts.len(), "{msg}");
        assert_eq!(msg.matches("987654321").count(), nums.len(), "{msg}");
    }
}

/// `wire::abi::OPS` (what `js/generated/wire.ts` calls) names exactly the operations
/// `src/bindings` defines, each with as many parameters; those of `wire::abi::OWN_EXPORTS` are
/// exported on their own, and `run` dispatches each other by its name: a renamed or added
/// operation, or a changed signature, fails here before it reaches the TypeScript layer.
#[test]
fn abi_ops_are_the_bindings_operations() {
    let mut found: Vec<(String, usize)> = Vec::new();
    let mut dispatched: Vec<String> = Vec::new();
    let mut own: Vec<String> = Vec::new();
    for module in [
        "mod.rs",
        "policy.rs",
        "access.rs",
        "ratelimit.rs",
        "codes.rs",
    ] {
        let path = format!("{}/src/bindings/{module}", env!("CARGO_MANIFEST_DIR"));
        let text = std::fs::read_to_string(&path).unwrap();
        // An operation exported on its own (`run` aside).
        for item in text.split("#[no_mangle]\npub extern \"C\" fn ").skip(1) {
            let name: String = item
                .chars()
                .take_while(|c| c.is_ascii_alphanumeric() || *c == '_')
                .collect();
            if name != "run" {
                let params = &item[name.len()..item.find(')').unwrap()];
                found.push((
                    name.clone(),
                    params.split(',').filter(|p| p.contains(':')).count(),
                ));
                own.push(name);
            }
        }
        // Every other operation is a function of its own, kept out of line (see `run`).
        for item in text.split("#[inline(never)]\n").skip(1) {
            let item = item.trim_start_matches("#[allow(clippy::too_many_arguments)]\n");
            let Some(rest) = item
                .strip_prefix("pub(super) fn ")
                .or_else(|| item.strip_prefix("fn "))
            else {
                continue;
            };
            let name: String = rest
                .chars()
                .take_while(|c| c.is_ascii_alphanumeric() || *c == '_')
                .collect();
            let signature = &rest[..rest.find('{').unwrap()];
            if !signature.ends_with(") -> i32 ") {
                continue; // a cold path, not an operation
            }
            let params = &rest[name.len()..rest.find(')').unwrap()];
            let count = params.split(',').filter(|p| p.contains(':')).count();
            found.push((name, count));
        }
        for item in text.split(": u32 = id(\"").skip(1) {
            dispatched.push(item[..item.find('"').unwrap()].to_string());
        }
    }
    // `finish` and `write_floats` answer an `i32` too, for every operation, and `refuse` for
    // `limiter_decide`: no operation.
    found.retain(|(name, _)| !["finish", "write_floats", "refuse"].contains(&name.as_str()));
    found.sort();
    let mut want: Vec<(String, usize)> = wire::abi::OPS
        .iter()
        .map(|(name, params)| ((*name).to_string(), params.len()))
        .collect();
    want.sort();
    assert_eq!(found, want);
    own.sort();
    let mut listed: Vec<String> = wire::abi::OWN_EXPORTS
        .iter()
        .map(|name| (*name).to_string())
        .collect();
    listed.sort();
    assert_eq!(own, listed, "the operations exported on their own");
    dispatched.sort();
    let names: Vec<String> = want
        .into_iter()
        .map(|(name, _)| name)
        .filter(|name| !own.contains(name))
        .collect();
    assert_eq!(
        dispatched, names,
        "run dispatches every other operation by its name"
    );
    for (id, (name, params)) in wire::abi::OPS.iter().enumerate() {
        assert_eq!(wire::abi::op(name), id as u32);
        assert!(params.len() <= wire::abi::MAX_PARAMS, "{name}");
    }
    assert_eq!(wire::abi::op("no_such_operation"), u32::MAX);
}

/// `snake_case` of a parameter name of `wire::abi::OPS` (`kindLen`: `kind_len`).
fn snake(name: &str) -> String {
    let mut out = String::new();
    for c in name.chars() {
        if c.is_ascii_uppercase() {
            out.push('_');
        }
        out.push(c.to_ascii_lowercase());
    }
    out
}

/// Each operation's parameters, in `wire::abi::OPS` (from which the TypeScript callers are
/// generated), in `run`'s dispatch (which passes its `f64` arguments `a`, `b`, ... on, a `u32`
/// through `u()`) and in the operation's signature, are one list: the same names, in the same
/// order, each a `u32` or an `f64` as `OPS` says. `src/bindings` compiles only for wasm32, so
/// `cargo test` cannot call `run`: its text is read. Two `f64`s swapped in an arm (a rate and
/// a period), in a signature or in `OPS`, or a `u()` on an `f64`, fails here (an expert
/// review's finding: each compiled and passed every Rust test).
#[test]
fn abi_op_parameters_are_one_list_in_ops_run_and_the_signatures() {
    let dir = format!("{}/src/bindings", env!("CARGO_MANIFEST_DIR"));
    let read = |m: &str| std::fs::read_to_string(format!("{dir}/{m}")).unwrap();
    let all: String = [
        "mod.rs",
        "policy.rs",
        "access.rs",
        "ratelimit.rs",
        "codes.rs",
    ]
    .map(read)
    .concat();
    let module = read("mod.rs");
    // `run`'s constants, by operation name, and its arms.
    let mut constants = std::collections::HashMap::new();
    for item in module.split("    const ").skip(1) {
        if let Some((ident, rest)) = item.split_once(": u32 = id(\"") {
            constants.insert(
                ident.to_string(),
                rest[..rest.find('"').unwrap()].to_string(),
            );
        }
    }
    let body = &module[module.find("    match op {").unwrap()..];
    let body = &body[..body.find("_ => INVALID").unwrap()];
    let letters = ["a", "b", "c", "d", "e", "f", "g", "h", "i", "j", "k", "l"];
    let mut checked = 0;
    for (name, params) in wire::abi::OPS {
        // The signature: `fn name(p: u32, q: f64, ...)`.
        let at = all.find(&format!("fn {name}("));
        assert!(at.is_some(), "no fn {name}");
        let at = at.unwrap();
        let rest = &all[at + name.len() + 4..];
        let signature: Vec<(String, String)> = rest[..rest.find(')').unwrap()]
            .split(',')
            .filter(|p| p.contains(':'))
            .map(|p| {
                let (n, t) = p.split_once(':').unwrap();
                (n.trim().to_string(), t.trim().to_string())
            })
            .collect();
        let want: Vec<(String, String)> = params
            .iter()
            .map(|(p, num)| {
                let t = if *num == wire::abi::Num::U32 {
                    "u32"
                } else {
                    "f64"
                };
                (snake(p), t.to_string())
            })
            .collect();
        assert_eq!(signature, want, "the signature of {name} against OPS");
        if wire::abi::OWN_EXPORTS.contains(name) {
            continue;
        }
        // The arm: `CONST => [module::]name(u(a), b, ...)`, the constant naming this operation.
        let arm = body.lines().map(str::trim).find(|line| {
            line.split_once(" => ")
                .is_some_and(|(c, _)| constants.get(c).map(String::as_str) == Some(name))
        });
        assert!(arm.is_some(), "no arm runs {name}");
        let arm = arm.unwrap();
        let call = arm.split_once(" => ").unwrap().1;
        let callee = &call[..call.find('(').unwrap()];
        assert!(
            callee == *name || callee.ends_with(&format!("::{name}")),
            "the arm of {name} calls {callee}"
        );
        let args: Vec<&str> = call[call.find('(').unwrap() + 1..call.rfind(')').unwrap()]
            .split(',')
            .map(str::trim)
            .filter(|a| !a.is_empty())
            .collect();
        let want: Vec<String> = params
            .iter()
            .zip(letters)
            .map(|((_, num), x)| {
                if *num == wire::abi::Num::U32 {
                    format!("u({x})")
                } else {
                    x.to_string()
                }
            })
            .collect();
        assert_eq!(args, want, "run's arm of {name} against OPS");
        checked += 1;
    }
    assert_eq!(checked, wire::abi::OPS.len() - wire::abi::OWN_EXPORTS.len());
}
