//! Writes the seed corpus of every fuzz target from the cases of `tests/vectors/*.json`, in
//! the byte format the targets read (`convex_guard_fuzz::Input`). Deterministic: the same
//! vectors always give the same files.
//!
//! `cargo run --example seeds -- <vectors dir> <output dir>` writes `<output>/<target>/NNNN`.

use std::collections::HashMap;
use std::path::Path;

use convex_guard::access::{Levels, Source, GRANT_DIRECT, GRANT_GROUP, NO_EXPIRY, NO_PARENT};
use convex_guard_fuzz::{Output, IN, LOG};
use serde_json::Value;

type Seeds = HashMap<&'static str, Vec<Vec<u8>>>;

fn cases(dir: &Path, name: &str) -> Vec<Value> {
    let path = dir.join([name, ".json"].concat());
    let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    let file: Value = serde_json::from_str(&text).unwrap_or_else(|e| panic!("{name}: {e}"));
    file["cases"].as_array().cloned().unwrap_or_default()
}

fn s(v: &Value) -> &str {
    v.as_str().unwrap_or_default()
}

fn num(v: &Value) -> f64 {
    v.as_f64().unwrap_or(f64::NAN)
}

fn hex(v: &Value) -> Vec<u8> {
    let h = s(v).as_bytes();
    h.chunks(2)
        .filter_map(|c| u8::from_str_radix(std::str::from_utf8(c).ok()?, 16).ok())
        .collect()
}

fn policy(seeds: &mut Seeds, dir: &Path) {
    for c in cases(dir, "policy") {
        let config = &c["config"];
        let roles: Vec<&str> = config["roles"]
            .as_array()
            .into_iter()
            .flatten()
            .map(s)
            .collect();
        let mut build = Output::default();
        for r in &roles {
            build.u8(0).string(r);
        }
        let mut grants = Vec::new();
        for (role, perms) in config["permissions"].as_object().into_iter().flatten() {
            for p in perms.as_array().into_iter().flatten() {
                build.u8(1).string(role).string(s(p));
                let i = roles.iter().position(|r| r == role).unwrap_or(0);
                grants.push((i as u8, s(p).to_owned()));
            }
        }
        seeds.entry("policy_build").or_default().push(build.0);
        // The same grants on roles r0.., then the checks' permissions and roles.
        let mut decide = Output::default();
        decide
            .u8(roles.len().clamp(1, 8) as u8 - 1)
            .u8(grants.len().min(15) as u8);
        for (i, p) in grants.iter().take(15) {
            decide.u8(*i).string(p);
        }
        for check in c["checks"].as_array().into_iter().flatten() {
            let role = roles.iter().position(|r| *r == s(&check["subject"]));
            let role = role.map_or(f64::from(u32::MAX), |r| r as f64);
            if let Some(p) = check["can"].as_str() {
                decide.u8(0).string(p);
                decide.u8(1).f64(role).f64(0.0);
            }
            if let Some(min) = check["atLeast"].as_str() {
                let m = roles
                    .iter()
                    .position(|r| *r == min)
                    .map_or(f64::NAN, |m| m as f64);
                decide.u8(2).f64(role).f64(m);
            }
        }
        seeds.entry("policy_decide").or_default().push(decide.0);
    }
}

/// The level names of an access case's configuration, and its public and share names.
fn level_config(c: &Value) -> (Vec<String>, Option<String>, Option<String>) {
    let config = &c["config"];
    let names = config["levels"]
        .as_array()
        .into_iter()
        .flatten()
        .map(|n| s(n).to_owned());
    let name = |k: &str| config[k].as_str().map(str::to_owned);
    (names.collect(), name("publicLevel"), name("shareLevel"))
}

fn access(seeds: &mut Seeds, dir: &Path) {
    let standard = Levels::standard();
    for c in cases(dir, "access") {
        let (names, public, share) = level_config(&c);
        let level = |v: &Value| match v.as_str() {
            None => 0.0,
            Some(n) => names
                .iter()
                .position(|x| x == n)
                .map(|i| i as f64 + 1.0)
                .or_else(|| standard.level(n).ok().map(f64::from))
                .unwrap_or(f64::NAN),
        };
        match s(&c["op"]) {
            "levels" => {
                let mut o = Output::default();
                o.u8(names.len() as u8);
                for n in &names {
                    o.string(n);
                }
                o.option(public.as_deref(), |o, p| {
                    o.string(p);
                });
                o.option(share.as_deref(), |o, p| {
                    o.string(p);
                });
                seeds.entry("access_build").or_default().push(o.0);
            }
            "share" => {
                let mut o = Output::default();
                o.bool(false)
                    .f64(level(&c["callerLevel"]))
                    .f64(level(&c["grantLevel"]));
                seeds.entry("access_share").or_default().push(o.0);
            }
            "transfer" => {
                let source =
                    Source::from_name(s(&c["callerSource"])).map_or(9.0, |x| f64::from(x.code()));
                let mut o = Output::default();
                o.bool(false).f64(source).f64(1.0);
                seeds.entry("access_share").or_default().push(o.0);
            }
            "resolve" => seeds
                .entry("access_resolve")
                .or_default()
                .push(resolve_seed(&c, &level)),
            _ => {}
        }
    }
}

/// The binding's flat layout of one resolve case (see `AccessEngine::resolve`).
fn resolve_seed(c: &Value, level: &dyn Fn(&Value) -> f64) -> Vec<u8> {
    let mut ids: HashMap<String, u32> = HashMap::new();
    let mut id = |v: &Value| match v.as_str() {
        None => u32::MAX,
        Some(x) => {
            let next = ids.len() as u32;
            *ids.entry(x.to_owned()).or_insert(next)
        }
    };
    let docs = c["documents"].as_array().cloned().unwrap_or_default();
    let index = |v: &Value| {
        let p = docs.iter().position(|d| d["id"] == *v);
        p.map_or(NO_PARENT, |p| p as u32)
    };
    let caller = id(&c["caller"]);
    let groups: Vec<u32> = c["groups"]
        .as_array()
        .into_iter()
        .flatten()
        .map(&mut id)
        .collect();
    let (mut owner, mut parent, mut public) = (Vec::new(), Vec::new(), Vec::new());
    let (mut doc, mut subject, mut kind, mut lvl, mut expires) =
        (vec![], vec![], vec![], vec![], vec![]);
    for (i, d) in docs.iter().enumerate() {
        owner.push(id(&d["owner"]));
        parent.push(index(&d["parent"]));
        public.push(u32::from(s(&d["visibility"]) == "public"));
        for g in d["grants"].as_array().into_iter().flatten() {
            doc.push(i as u32);
            subject.push(id(&g["to"]));
            kind.push(u32::from(if s(&g["kind"]) == "group" {
                GRANT_GROUP
            } else {
                GRANT_DIRECT
            }));
            lvl.push(level(&g["level"]) as u32);
            expires.push(g["expiresAt"].as_f64().unwrap_or(NO_EXPIRY));
        }
    }
    let mut ints = vec![caller, groups.len() as u32];
    ints.extend(&groups);
    ints.extend([owner.len() as u32, doc.len() as u32]);
    for col in [owner, parent, doc, subject, public, kind, lvl] {
        ints.extend(col);
    }
    let mut o = Output::default();
    o.u8(1).len(ints.len());
    for v in ints {
        o.u32(v);
    }
    o.f64(num(&c["now"]));
    for e in expires {
        o.f64(e);
    }
    o.0
}

fn limit(o: &mut Output, l: &Value, with_kind_index: bool) {
    let kinds = [
        "sliding window",
        "sliding log",
        "token bucket",
        "fixed window",
    ];
    let k = kinds.iter().position(|k| *k == s(&l["kind"]));
    if with_kind_index {
        o.u8(k.unwrap_or(0) as u8);
    } else {
        match k {
            Some(k) => o.u8(k as u8),
            None => o.u8(4).string(s(&l["kind"])),
        };
    }
    o.f64(num(&l["rate"])).f64(num(&l["period"]));
    o.option(l.get("capacity"), |o, c| {
        o.f64(num(c));
    });
    o.option(l.get("shards"), |o, c| {
        o.f64(num(c));
    });
}

/// One raw request record (and its log) as the binding reads it.
fn raw_record(o: &mut Output, count: f64, state: Option<&Value>) {
    o.bool(false);
    let log: Vec<f64> = state
        .and_then(|st| st["log"].as_array())
        .into_iter()
        .flatten()
        .map(num)
        .collect();
    let record: [f64; IN] = match state {
        None => [0.0, 0.0, count, 0.0, 0.0, 0.0, 0.0, 0.0],
        Some(st) => [
            0.0,
            0.0,
            count,
            1.0,
            num(&st["t"]),
            num(&st["a"]),
            num(&st["b"]),
            log.len() as f64,
        ],
    };
    for x in record {
        o.f64(x);
    }
    o.u8(log.len().min(LOG) as u8);
    for x in log.iter().take(LOG) {
        o.f64(*x);
    }
}

fn ratelimit(seeds: &mut Seeds, dir: &Path) {
    for c in cases(dir, "ratelimit") {
        let mut config = Output::default();
        if let Some(l) = c.get("limit") {
            limit(&mut config, l, false);
            seeds.entry("ratelimit_config").or_default().push(config.0);
        }
        // Decisions: the limits, then one call per request or batch.
        let limits: Vec<Value> = match (c.get("limit"), c["limits"].as_array()) {
            (Some(l), _) => vec![l.clone()],
            (None, Some(ls)) => ls.clone(),
            _ => continue,
        };
        let mut o = Output::default();
        o.u8(limits.len() as u8 - 1);
        for l in &limits {
            limit(&mut o, l, true);
        }
        let mut first = true;
        for r in c["requests"].as_array().into_iter().flatten() {
            // A stored state given by the case goes in raw on the first call; after that the
            // target feeds back what the engine wrote.
            o.u8(1);
            match (first, c.get("state")) {
                (true, Some(st)) => raw_record(&mut o, num(&r["count"]), Some(st)),
                _ => {
                    o.bool(true).u8(0).u8(0).u8(num(&r["count"]) as u8);
                }
            }
            first = false;
            o.bool(true).f64(num(&r["now"])).bool(false);
        }
        for b in c["batches"].as_array().into_iter().flatten() {
            let counts = b["counts"].as_array().cloned().unwrap_or_default();
            o.u8(counts.len() as u8);
            for (i, n) in counts.iter().enumerate() {
                o.bool(true).u8(i as u8).u8(0).u8(num(n) as u8);
            }
            o.bool(true).f64(num(&b["now"])).bool(false);
        }
        seeds.entry("ratelimit_decide").or_default().push(o.0);
    }
}

/// `Input`'s alphabet choice of the codes targets: digits, crockford, or the text itself.
fn alphabet(o: &mut Output, a: &str) {
    match a {
        "digits" => o.u8(0),
        "crockford" => o.u8(1),
        custom => o.u8(2).string(custom),
    };
}

fn codes(seeds: &mut Seeds, dir: &Path) {
    for c in cases(dir, "codes") {
        let mut o = Output::default();
        let a = s(&c["alphabet"]);
        let length = c["length"].as_u64().unwrap_or(8) as u32;
        match s(&c["kind"]) {
            "alphabet" | "config" => {
                alphabet(&mut o, a);
                let ttl = c["ttl"].as_f64().unwrap_or(300_000.0);
                let attempts = c["maxAttempts"].as_u64().unwrap_or(5) as u32;
                o.u32(length).f64(ttl).u32(attempts);
                seeds.entry("codes_config").or_default().push(o.0);
            }
            "codeFromBytes" | "flow" => {
                alphabet(&mut o, a);
                o.u8(length as u8);
                for b in c["bytes"].as_array().into_iter().flatten() {
                    o.u8(b.as_u64().unwrap_or(0) as u8);
                }
                seeds.entry("codes_generate").or_default().push(o.0);
            }
            "canonical" => {
                let i = if a == "crockford" { 1 } else { 0 };
                o.u8(i).u8((length.saturating_sub(4)) as u8).u8(1);
                o.string("user")
                    .string("act")
                    .string("")
                    .string(s(&c["presented"]));
                seeds.entry("codes_message").or_default().push(o.0);
            }
            "bindingMessage" => {
                o.u8(0).u8(4).u8(0);
                for k in ["actor", "action", "target", "code"] {
                    o.string(s(&c[k]));
                }
                seeds.entry("codes_message").or_default().push(o.0);
            }
            "issue" => {
                let ttl = num(&c["ttl"]) - 1_000.0;
                o.u32(ttl.max(0.0) as u32)
                    .u8(num(&c["maxAttempts"]) as u8 - 1)
                    .bool(true);
                o.u8(1).byte_array(&hex(&c["hash"])).f64(num(&c["now"]));
                seeds.entry("codes_verify").or_default().push(o.0);
            }
            "verify" => {
                let r = &c["record"];
                o.u32(299_000).u8(4).bool(false);
                o.u8(1)
                    .byte_array(&hex(&r["hash"]))
                    .f64(num(&r["expiresAt"]));
                o.u32(r["attemptsLeft"].as_u64().unwrap_or(0) as u32)
                    .bool(r["used"] == true);
                o.u8(1)
                    .byte_array(&hex(&c["presented"]))
                    .f64(num(&c["now"]));
                seeds.entry("codes_verify").or_default().push(o.0);
            }
            _ => {}
        }
    }
}

fn audit(seeds: &mut Seeds, dir: &Path) {
    for c in cases(dir, "audit") {
        seeds
            .entry("audit_key")
            .or_default()
            .push(s(&c["key"]).as_bytes().to_vec());
    }
}

fn main() {
    let args: Vec<String> = std::env::args().collect();
    let (Some(vectors), Some(out)) = (args.get(1), args.get(2)) else {
        panic!("usage: seeds <vectors dir> <output dir>");
    };
    let (vectors, out) = (Path::new(vectors), Path::new(out));
    let mut seeds = Seeds::new();
    policy(&mut seeds, vectors);
    access(&mut seeds, vectors);
    ratelimit(&mut seeds, vectors);
    codes(&mut seeds, vectors);
    audit(&mut seeds, vectors);
    let mut targets: Vec<_> = seeds.into_iter().collect();
    targets.sort();
    for (target, files) in targets {
        let dir = out.join(target);
        std::fs::create_dir_all(&dir).unwrap_or_else(|e| panic!("{}: {e}", dir.display()));
        for (i, bytes) in files.iter().enumerate() {
            let path = dir.join(format!("{i:04}"));
            std::fs::write(&path, bytes).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
        }
        println!("{target}: {} seeds", files.len());
    }
}
