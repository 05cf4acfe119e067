//! Statistical checks that codes are uniform, and that the check would catch `byte % n`.
//!
//! - Exact: for every alphabet size, every symbol is picked by the same number of byte values
//!   (the proof of zero bias, checked by enumeration).
//! - Chi-square at p = 0.001 over at least 10^6 symbols per built-in alphabet from a seeded
//!   xorshift64* source fed to `code_from_bytes` (deterministic: it cannot flake), per symbol
//!   and per position in the code.
//! - The same test applied to `byte % 10` fails by a wide margin (expected statistic about 370
//!   against a critical value of 27.9), while `byte % 32` passes: 256 is a multiple of 32, so
//!   modulo happens to be unbiased for Crockford, and digits are the case that matters.
//! - 10^6 symbols per built-in alphabet from the real OS generator through `generate`. That
//!   run is not reproducible, so it uses p = 10^-6 (critical 44.8 and 83.6) to keep false
//!   failures out of CI; the modulo bias above would still exceed it eightfold.
//!
//! All of it runs in well under a second in a debug build.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::panic
)]

use convex_guard::codes::{
    code_from_bytes, generate, Alphabet, CodeFormat, CROCKFORD, DIGITS, MAX_ALPHABET, MIN_ALPHABET,
};

/// Symbols drawn per alphabet.
const SAMPLES: usize = 1_000_000;

/// Upper critical values of the chi-square distribution, (degrees of freedom, p = 0.001,
/// p = 10^-6), computed with mpmath's regularized incomplete gamma function.
const CRITICAL: &[(usize, f64, f64)] = &[
    (9, 27.877165, 44.810938),
    (31, 61.098306, 83.642516),
    (35, 66.618829, 89.946741),
];

fn critical(df: usize) -> (f64, f64) {
    let &(_, p3, p6) = CRITICAL.iter().find(|(d, _, _)| *d == df).unwrap();
    (p3, p6)
}

/// xorshift64* (Vigna): a fast, seeded, statistically good (not secure) byte source.
struct XorShift(u64);

impl XorShift {
    fn fill(&mut self, buf: &mut [u8]) {
        for chunk in buf.chunks_mut(8) {
            self.0 ^= self.0 >> 12;
            self.0 ^= self.0 << 25;
            self.0 ^= self.0 >> 27;
            let word = self.0.wrapping_mul(0x2545_F491_4F6C_DD1D).to_le_bytes();
            chunk.copy_from_slice(&word[..chunk.len()]);
        }
    }
}

fn chi_square(counts: &[u64]) -> f64 {
    let total: u64 = counts.iter().sum();
    let expected = total as f64 / counts.len() as f64;
    counts
        .iter()
        .map(|&c| (c as f64 - expected).powi(2) / expected)
        .sum()
}

/// Draws at least `SAMPLES` symbols as codes from `next_code`, counting each symbol overall
/// and per position.
fn draw(
    format: &CodeFormat,
    mut next_code: impl FnMut(&CodeFormat) -> String,
) -> (Vec<u64>, Vec<Vec<u64>>) {
    let symbols = format.alphabet().symbols().as_bytes().to_vec();
    let index = |b: u8| symbols.iter().position(|&s| s == b).unwrap();
    let mut counts = vec![0u64; symbols.len()];
    let mut by_position = vec![vec![0u64; symbols.len()]; format.length()];
    let mut drawn = 0;
    while drawn < SAMPLES {
        let code = next_code(format);
        assert_eq!(code.len(), format.length());
        for (pos, b) in code.bytes().enumerate() {
            let i = index(b);
            counts[i] += 1;
            by_position[pos][i] += 1;
        }
        drawn += code.len();
    }
    (counts, by_position)
}

fn from_xorshift(seed: u64) -> impl FnMut(&CodeFormat) -> String {
    let mut rng = XorShift(seed);
    move |format| {
        let mut out = String::new();
        let mut buf = [0u8; 64];
        loop {
            rng.fill(&mut buf);
            if code_from_bytes(&buf, format, &mut out).is_some() {
                return out;
            }
        }
    }
}

#[test]
fn every_symbol_has_the_same_number_of_accepting_bytes() {
    for n in MIN_ALPHABET..=MAX_ALPHABET {
        let text: String = (b'!'..).take(n).map(char::from).collect();
        let alphabet = Alphabet::new(&text).unwrap();
        let format = CodeFormat::new(alphabet, 32).unwrap();
        let mut counts = vec![0u32; n];
        for b in 0..=255u8 {
            let mut out = String::new();
            let _ = code_from_bytes(&[b], &format, &mut out);
            if let Some(c) = out.bytes().next() {
                counts[text.bytes().position(|s| s == c).unwrap()] += 1;
            }
        }
        let per_symbol = 256 / (u32::from(alphabet.mask()) + 1);
        assert!(
            counts.iter().all(|&c| c == per_symbol),
            "n = {n}: {counts:?}"
        );
    }
}

#[test]
fn seeded_source_is_uniform_for_builtin_alphabets() {
    for (alphabet, length, seed) in [
        (Alphabet::digits(), 8, 0x9E37_79B9_7F4A_7C15u64),
        (Alphabet::crockford(), 8, 0xD1B5_4A32_D192_ED03),
        (
            Alphabet::new("abcdefghijklmnopqrstuvwxyz0123456789").unwrap(),
            8,
            7,
        ),
    ] {
        let format = CodeFormat::new(alphabet, length).unwrap();
        let (counts, by_position) = draw(&format, from_xorshift(seed));
        let (limit, _) = critical(alphabet.size() - 1);
        let stat = chi_square(&counts);
        eprintln!(
            "{}: chi-square {stat:.2} (limit {limit})",
            alphabet.symbols()
        );
        assert!(
            stat < limit,
            "{}: chi-square {stat} >= {limit}",
            alphabet.symbols()
        );
        for (pos, row) in by_position.iter().enumerate() {
            let stat = chi_square(row);
            assert!(
                stat < limit,
                "{} position {pos}: chi-square {stat} >= {limit}",
                alphabet.symbols()
            );
        }
    }
}

#[test]
fn chi_square_catches_modulo_bias_for_digits() {
    let mut rng = XorShift(0x9E37_79B9_7F4A_7C15);
    let mut buf = vec![0u8; SAMPLES];
    rng.fill(&mut buf);

    let mut modulo = [0u64; 10];
    for &b in &buf {
        modulo[usize::from(b % 10)] += 1;
    }
    let (limit, strict) = critical(9);
    let stat = chi_square(&modulo);
    eprintln!("byte % 10: chi-square {stat:.1} (limit {limit}, strict {strict})");
    assert!(
        stat > 8.0 * strict,
        "byte % 10 must be caught: chi-square {stat}"
    );
    assert!(stat > limit);

    // The same bytes through rejection sampling pass.
    let format = CodeFormat::new(Alphabet::digits(), 32).unwrap();
    let mut masked = [0u64; 10];
    let mut out = String::new();
    // 16 bytes never complete a 32-symbol code, so every accepted byte is counted.
    for chunk in buf.chunks(16) {
        out.clear();
        let _ = code_from_bytes(chunk, &format, &mut out);
        for b in out.bytes() {
            masked[usize::from(b - b'0')] += 1;
        }
    }
    assert!(masked.iter().sum::<u64>() > 600_000);
    eprintln!("masked digits: chi-square {:.2}", chi_square(&masked));
    assert!(chi_square(&masked) < limit, "{masked:?}");

    // And `byte % 32` is unbiased (256 = 8 * 32): why digits are the alphabet to test.
    let mut crockford = [0u64; 32];
    for &b in &buf {
        crockford[usize::from(b % 32)] += 1;
    }
    assert!(chi_square(&crockford) < critical(31).0);
    assert_eq!(CROCKFORD.len(), 32);
    assert_eq!(DIGITS.len(), 10);
}

#[test]
fn os_randomness_through_generate_is_uniform() {
    for alphabet in [Alphabet::digits(), Alphabet::crockford()] {
        let format = CodeFormat::new(alphabet, 32).unwrap();
        let (counts, _) = draw(&format, |f| generate(f).unwrap());
        let (_, strict) = critical(alphabet.size() - 1);
        let stat = chi_square(&counts);
        eprintln!(
            "OS {}: chi-square {stat:.2} (limit {strict})",
            alphabet.symbols()
        );
        assert!(
            stat < strict,
            "{}: chi-square {stat} >= {strict}",
            alphabet.symbols()
        );
    }
}
