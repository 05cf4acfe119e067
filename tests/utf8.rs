//! `unicode::is_utf8`, the engine's UTF-8 check (its wasm reads strings through it), against
//! `core::str::from_utf8`: the same answer for every sequence of up to 3 bytes, for 4-byte
//! sequences over every lead byte from 0xEE with the continuation bytes' boundary values, and
//! for random strings cut and corrupted anywhere.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::panic
)]

use convex_guard::unicode::is_utf8;
use proptest::prelude::*;

fn agrees(bytes: &[u8]) {
    assert_eq!(
        is_utf8(bytes),
        core::str::from_utf8(bytes).is_ok(),
        "{bytes:02X?}"
    );
}

#[test]
fn every_sequence_of_up_to_three_bytes() {
    agrees(&[]);
    for a in 0..=255u8 {
        agrees(&[a]);
        for b in 0..=255u8 {
            agrees(&[a, b]);
            for c in 0..=255u8 {
                let s = [a, b, c];
                // Inline rather than `agrees` for speed: 16.7 million cases.
                if is_utf8(&s) != core::str::from_utf8(&s).is_ok() {
                    panic!("{s:02X?}");
                }
            }
        }
    }
}

#[test]
fn four_byte_sequences_at_every_boundary() {
    const EDGES: [u8; 14] = [
        0x00, 0x41, 0x7F, 0x80, 0x81, 0x8E, 0x8F, 0x90, 0x91, 0x9F, 0xA0, 0xBF, 0xC0, 0xFF,
    ];
    for lead in 0xEE..=0xFFu8 {
        for &b in &EDGES {
            for &c in &EDGES {
                for &d in &EDGES {
                    agrees(&[lead, b, c, d]);
                    agrees(&[b'a', lead, b, c, d, b'z']);
                }
            }
        }
    }
    for &c in &[
        '\u{10000}',
        '\u{10FFFF}',
        '\u{FFFF}',
        '\u{D7FF}',
        '\u{E000}',
        '\u{80}',
        '\u{7FF}',
        '\u{800}',
    ] {
        let mut buf = [0; 4];
        agrees(c.encode_utf8(&mut buf).as_bytes());
    }
}

proptest! {
    #[test]
    fn random_strings_cut_and_corrupted(s in "\\PC{0,12}", cut in 0usize..64, at in 0usize..64, byte in any::<u8>()) {
        let mut bytes = s.into_bytes();
        agrees(&bytes);
        bytes.truncate(cut.min(bytes.len()));
        agrees(&bytes);
        if !bytes.is_empty() {
            let i = at % bytes.len();
            bytes[i] = byte;
            agrees(&bytes);
        }
    }

    #[test]
    fn random_bytes(bytes in proptest::collection::vec(any::<u8>(), 0..16)) {
        agrees(&bytes);
    }
}
