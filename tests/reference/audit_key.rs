//! The audit trail's secret-name rule as the README states it, written plainly with `String`s:
//! the reference `tests/vectors_audit.rs` (a property test) and `fuzz/fuzz_targets/audit_key.rs`
//! check the engine's `audit::is_secret_name` against. One file, included by both with `#[path]`
//! (the fuzz crate cannot depend on the tests).

use convex_guard::audit::{
    KEPT_WORDS, MAX_KEY_LEN, SECRET_FRAGMENTS, SECRET_WHOLE_WORDS, SECRET_WORDS,
    SECRET_WORD_SUFFIXES,
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

/// Whether `word` is one of the kept words.
fn kept(word: &str) -> bool {
    KEPT_WORDS.split(' ').any(|k| k == word)
}

/// Whether a normalized name contains one of the secret fragments that no kept word ends
/// with: those that case and separators never hide.
pub fn has_fragment(norm: &str) -> bool {
    SECRET_FRAGMENTS
        .split(' ')
        .filter(|f| !KEPT_WORDS.split(' ').any(|k| k.ends_with(f)))
        .any(|f| norm.contains(f))
}

/// Whether a fragment lies in the name, and the word it is in, from that word's start to the
/// fragment's end, is not a kept word.
fn fragment(norm: &str, bounds: &[usize]) -> bool {
    SECRET_FRAGMENTS.split(' ').any(|f| {
        (0..norm.len())
            .any(|i| norm[i..].starts_with(f) && !kept(&norm[word_start(bounds, i)..i + f.len()]))
    })
}

/// Whether a secret word of `words`, followed by one of the suffixes, ends at the word boundary
/// `end`, and the word it ends (from the last boundary at or before the secret word's start to
/// the secret word's end) is not one of the kept words; with `whole`, the secret word must also
/// start at a boundary.
fn ends_word(norm: &str, bounds: &[usize], end: usize, words: &str, whole: bool) -> bool {
    let before = norm.get(..end).unwrap_or_default();
    words.split(' ').any(|w| {
        SECRET_WORD_SUFFIXES.iter().any(|x| {
            let tail = format!("{w}{x}");
            if !before.ends_with(&tail) {
                return false;
            }
            let i = end - tail.len();
            let start = word_start(bounds, i);
            (!whole || start == i) && !kept(&norm[start..i + w.len()])
        })
    })
}

/// The rule: any byte that is not ASCII; a fragment of the normalized name, unless it ends a
/// kept word; a secret word (with a suffix) ending at a word boundary, unless it ends a kept
/// word; a whole secret word (with a suffix) between two boundaries; a normalized name over the
/// bound.
pub fn is_secret(key: &[u8]) -> bool {
    let (norm, bounds) = normalized(key);
    let word = bounds.iter().any(|&end| {
        ends_word(&norm, &bounds, end, SECRET_WORDS, false)
            || ends_word(&norm, &bounds, end, SECRET_WHOLE_WORDS, true)
    });
    !key.is_ascii() || norm.len() > MAX_KEY_LEN || fragment(&norm, &bounds) || word
}
