//! The audit trail's secret-name rule as the README states it, written plainly with `String`s:
//! the reference `tests/vectors_audit.rs` (a property test) and `fuzz/fuzz_targets/audit_key.rs`
//! check the engine's `audit::is_secret_name` against. One file, included by both with `#[path]`
//! (the fuzz crate cannot depend on the tests).

use convex_guard::audit::{
    KEPT_WORDS, MAX_KEY_LEN, SECRET_FRAGMENTS, SECRET_WORDS, SECRET_WORD_SUFFIXES,
};

/// 0 a separator, 1 lower case, 2 upper case, 3 a digit.
fn class(c: Option<u8>) -> u8 {
    match c {
        Some(b'a'..=b'z') => 1,
        Some(b'A'..=b'Z') => 2,
        Some(b'0'..=b'9') => 3,
        _ => 0,
    }
}

/// The normalized name (ASCII letters lower-cased, digits kept, everything else dropped), and
/// the positions in it where a word starts or the name ends.
pub fn normalized(key: &[u8]) -> (String, Vec<usize>) {
    let (mut norm, mut bounds) = (String::new(), Vec::new());
    for (i, &b) in key.iter().enumerate() {
        let before = class(i.checked_sub(1).and_then(|j| key.get(j).copied()));
        let (here, next) = (class(Some(b)), class(key.get(i + 1).copied()));
        if here == 0 {
            continue;
        }
        let camel = before == 2 && here == 1;
        let acronym = before == 2 && here == 2 && next == 1;
        if (before != here && !camel) || acronym {
            bounds.push(norm.len());
        }
        norm.push(b.to_ascii_lowercase() as char);
    }
    bounds.push(norm.len());
    (norm, bounds)
}

/// Whether a normalized name contains one of the secret fragments.
pub fn has_fragment(norm: &str) -> bool {
    SECRET_FRAGMENTS.split(' ').any(|f| norm.contains(f))
}

/// Whether a secret word, followed by one of the suffixes, ends at the word boundary `end`,
/// and the word it ends (from the last boundary at or before the secret word's start to the
/// secret word's end) is not one of the kept words.
fn ends_word(norm: &str, bounds: &[usize], end: usize) -> bool {
    let before = norm.get(..end).unwrap_or_default();
    SECRET_WORDS.split(' ').any(|w| {
        SECRET_WORD_SUFFIXES.iter().any(|x| {
            let tail = format!("{w}{x}");
            if !before.ends_with(&tail) {
                return false;
            }
            let i = end - tail.len();
            let start = bounds
                .iter()
                .copied()
                .filter(|&b| b <= i)
                .max()
                .unwrap_or(0);
            let word = &norm[start..i + w.len()];
            !KEPT_WORDS.split(' ').any(|k| k == word)
        })
    })
}

/// The rule: any byte that is not ASCII; a fragment of the normalized name; a secret word
/// (with a suffix) ending at a word boundary, unless it ends a kept word; a normalized name
/// over the bound.
pub fn is_secret(key: &[u8]) -> bool {
    let (norm, bounds) = normalized(key);
    let word = bounds.iter().any(|&end| ends_word(&norm, &bounds, end));
    !key.is_ascii() || norm.len() > MAX_KEY_LEN || has_fragment(&norm) || word
}
