//! The audit trail's secret-name rule as docs/sensitive-operations.md states it, written plainly with `String`s:
//! the reference `tests/vectors_audit.rs` (a property test) and `fuzz/fuzz_targets/audit_key.rs`
//! check the engine's `audit::is_secret_name` against. One file, included by both with `#[path]`
//! (the fuzz crate cannot depend on the tests).

use convex_guard::audit::{
    KEPT_LAST_WORDS, KEPT_PAIRS, KEPT_WORDS, MAX_KEY_LEN, SECRET_FRAGMENTS, SECRET_WHOLE_WORDS,
    SECRET_WORDS, SECRET_WORD_SUFFIXES, URL_KINDS, URL_WORDS,
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
        let back = |n: usize| class(i.checked_sub(n).and_then(|j| key.get(j).copied()));
        let (earlier, before) = (back(2), back(1));
        let (here, next) = (class(Some(b)), class(key.get(i + 1).copied()));
        if here == 0 {
            continue;
        }
        // A capital then lower case (`Key`) is one word, unless the capital ends an acronym
        // (`PINnumber`: a word starts at the `n` too).
        let camel = before == 2 && here == 1 && earlier != 2;
        let acronym = before == 2 && here == 2 && next == 1;
        if (before != here && !camel) || acronym {
            bounds.push(norm.len());
        }
        norm.push(b.to_ascii_lowercase() as char);
    }
    bounds.push(norm.len());
    (norm, bounds)
}

/// The word of `norm` holding position `i`: from the last boundary at or before `i`.
fn word_start(bounds: &[usize], i: usize) -> usize {
    bounds
        .iter()
        .copied()
        .filter(|&b| b <= i)
        .max()
        .unwrap_or(0)
}

/// Whether a secret word or fragment at `i..end` does not count: the word holding it, from its
/// start to `end`, is a kept word.
fn kept(norm: &str, bounds: &[usize], i: usize, end: usize) -> bool {
    let start = word_start(bounds, i);
    KEPT_WORDS.split(' ').any(|k| k == &norm[start..end])
}

/// Whether a normalized name contains one of the secret fragments that no kept word ends
/// with, is no kept pair, and does not end in a kept last word: those that case and separators
/// never hide.
pub fn has_fragment(norm: &str) -> bool {
    !KEPT_LAST_WORDS.split(' ').any(|k| norm.ends_with(k))
        && !KEPT_PAIRS.split(' ').any(|k| k == norm)
        && SECRET_FRAGMENTS
            .split(' ')
            .filter(|f| !KEPT_WORDS.split(' ').any(|k| k.ends_with(f)))
            .any(|f| norm.contains(f))
}

/// Whether a fragment lies in the name, and the word it is in, from that word's start to the
/// fragment's end, is not a kept word.
fn fragment(norm: &str, bounds: &[usize]) -> bool {
    SECRET_FRAGMENTS.split(' ').any(|f| {
        (0..norm.len()).any(|i| norm[i..].starts_with(f) && !kept(norm, bounds, i, i + f.len()))
    })
}

/// Where a word of `words`, followed by one of the suffixes, ending at the word boundary `end`
/// and not kept, starts, and where it ends (before its suffix); with `whole`, the word must
/// also start at a boundary.
fn ends_word(
    norm: &str,
    bounds: &[usize],
    end: usize,
    words: &str,
    whole: bool,
) -> Vec<(usize, usize)> {
    let before = norm.get(..end).unwrap_or_default();
    let mut found = Vec::new();
    for w in words.split(' ') {
        for x in SECRET_WORD_SUFFIXES {
            let tail = format!("{w}{x}");
            if !before.ends_with(&tail) {
                continue;
            }
            let i = end - tail.len();
            let start = word_start(bounds, i);
            if (!whole || start == i) && !kept(norm, bounds, i, i + w.len()) {
                found.push((i, i + w.len()));
            }
        }
    }
    found
}

/// The rule: any byte that is not ASCII; a normalized name over the bound; else a name that is
/// a kept pair, whole, or whose last word is a kept last word is kept; a fragment of the normalized name, unless kept; a
/// secret word (with a suffix) ending at a word boundary, unless kept; a whole secret word
/// (with a suffix) between two boundaries; a URL kind ending a word (as a secret word does) and
/// a URL word ending one (as well) that starts at or after the kind's end.
pub fn is_secret(key: &[u8]) -> bool {
    let (norm, bounds) = normalized(key);
    if !key.is_ascii() || norm.len() > MAX_KEY_LEN {
        return true;
    }
    let last = bounds
        .iter()
        .copied()
        .filter(|&b| b < norm.len())
        .max()
        .unwrap_or(0);
    if KEPT_PAIRS.split(' ').any(|k| k == norm)
        || KEPT_LAST_WORDS.split(' ').any(|k| k == &norm[last..])
    {
        return false;
    }
    let all = |words: &str, whole: bool| -> Vec<(usize, usize)> {
        bounds
            .iter()
            .flat_map(|&end| ends_word(&norm, &bounds, end, words, whole))
            .collect()
    };
    let url = all(URL_KINDS, false)
        .iter()
        .any(|&(_, kind_end)| all(URL_WORDS, false).iter().any(|&(i, _)| i >= kind_end));
    fragment(&norm, &bounds)
        || !all(SECRET_WORDS, false).is_empty()
        || !all(SECRET_WHOLE_WORDS, true).is_empty()
        || url
}
