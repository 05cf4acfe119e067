//! The one door to JavaScript: the engine's exports. The decision modules never see anything
//! of it.
//!
//! Shape of the ABI ([`crate::wire::abi`], rendered into `js/generated/wire.ts`): operations
//! taking and returning numbers, run through one `extern "C"` export, [`run`], but for the
//! three of a first permission check and a rate limit's decision, exported on their own
//! ([`crate::wire::abi::OWN_EXPORTS`]).
//! Strings and arrays cross through an I/O area the engine owns ([`buffer`]): JavaScript writes
//! the input there and passes its lengths; an answer longer than a number, or an engine error
//! (its code and [`crate::wire::error_parts`]), is written back there. Configuration crosses
//! once, into objects the engine keeps in a table and JavaScript addresses by handle (small
//! integers); decisions then cross as numbers. No operation panics: every input (a handle, its
//! kind, a length, UTF-8) is validated, and a call that makes no sense returns [`INVALID`]
//! instead.
//!
//! `unsafe_code` is allowed in this module and its children only, for five minimal places, each
//! with its reason: the `Sync` claim of the single-threaded state ([`Global`]), reading the I/O
//! area's words as bytes, `u32`s or `f64`s ([`as_bytes`]; `as_u32s` and `as_f64s`, in a module
//! with access), an all-ASCII input read as a string without the
//! UTF-8 validator ([`Reader::text`]), the import that fills random bytes
//! ([`__getrandom_v03_custom`]), and the allocator in front of talc ([`FirstPage`]).
//! The `#[no_mangle]` exports ([`run`], and the operations exported on their own) and hook are
//! what the lint also counts.
#![allow(unsafe_code)]

#[cfg(feature = "access")]
mod access;
#[cfg(feature = "codes")]
mod codes;
mod policy;
#[cfg(feature = "ratelimit")]
mod ratelimit;

use crate::error::Kind;
#[cfg(feature = "access")]
use crate::wire::abi::{ABSENT, KIND_LEVELS};
use crate::wire::abi::{ERROR, INVALID, MAX_IO_BYTES};
use crate::wire::{error_parts, Part};
use crate::Error;
use alloc::vec::Vec;
use core::alloc::{GlobalAlloc, Layout};
use core::cell::RefCell;
use core::sync::atomic::{AtomicUsize, Ordering::Relaxed};

/// The allocator: the initial memory's free end handed out in order ([`FirstPage`]), then
/// talc over the pages it grows the memory by.
#[global_allocator]
static ALLOCATOR: FirstPage = FirstPage {
    next: AtomicUsize::new(0),
    talc: talc::cell::TalcSyncCell::new_wasm(talc::wasm::WasmGrowAndExtend::new()),
};

/// A wasm page.
const PAGE: usize = 65536;

extern "C" {
    /// Where the linker's data ends and the heap may start (a symbol of wasm-ld's).
    static __heap_base: u8;
}

/// The allocator: the free end of the memory the module starts with (the linker places the
/// stack and the data in its first page and leaves the rest of it, 31 KB of 64, unused) is
/// handed out in order, each block at the next address its alignment allows, and never
/// reused; once an allocation does not fit there, talc serves it, over pages it grows the
/// memory by (`WasmGrowAndExtend`), and frees what it served.
///
/// Why: V8 compiles each WebAssembly function at its first call, and after a full GC every
/// request compiles again what it runs. A fresh request's first allocations (the I/O area, a
/// policy) come from the first page here, so its first permission check compiles none of
/// talc's functions (its allocation, free and heap set-up: seven functions, 1.1 KB of wasm),
/// only these few instructions; and, as before, it grows no memory (about 15 us of each fresh
/// request: V8 makes a new buffer object for the grown memory). What the first page holds is
/// never reused, so at most its 31 KB is lost for the instance's life.
struct FirstPage {
    /// The first free address of the first page (0 before the first allocation).
    next: AtomicUsize,
    talc: talc::cell::TalcSyncCell<talc::wasm::WasmGrowAndExtend, talc::wasm::WasmBinning>,
}

// SAFETY: `alloc` hands out each byte of the first page at most once: blocks lie in
// [`__heap_base`, the initial memory's end), which the linker leaves to the heap, and `next`
// only moves forward past each block handed out; a block is aligned as its layout asks.
// Everything else is talc's, on pages above the initial memory (it only ever grows the memory):
// `dealloc` tells the two apart by address, and gives talc back only its own blocks.
unsafe impl GlobalAlloc for FirstPage {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        let (base, end) = first_page();
        let next = self.next.load(Relaxed).max(base);
        let mask = layout.align() - 1;
        let start = next.checked_add(mask).map(|n| n & !mask);
        match start.and_then(|s| s.checked_add(layout.size())) {
            Some(last) if last <= end => {
                self.next.store(last, Relaxed);
                (last - layout.size()) as *mut u8
            }
            // SAFETY: the caller's contract for `alloc`, passed on.
            _ => unsafe { self.talc.alloc(layout) },
        }
    }

    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        if (ptr as usize) >= first_page().1 {
            // SAFETY: a block of talc's (every block below the first page's end is the first
            // page's), with the layout it was allocated with (the caller's contract).
            unsafe { self.talc.dealloc(ptr, layout) }
        }
    }
}

/// The heap's part of the first page: from [`__heap_base`] to the end of the page it is in,
/// which is the end of the memory the module starts with (wasm-ld makes it just large enough
/// for the stack and the data; tests/node/engine-layout.test.mjs checks it is one page).
fn first_page() -> (usize, usize) {
    let base = core::ptr::addr_of!(__heap_base) as usize;
    (base, (base + PAGE - 1) & !(PAGE - 1))
}

/// A panic cannot happen by design (the crate denies `unwrap`, `expect`, `panic!` and slice
/// indexing), but if one did, trap at once: no message is formatted, so no formatting code is
/// linked, and the instance is abandoned exactly as `panic = "abort"` would.
#[panic_handler]
fn panic(_: &core::panic::PanicInfo<'_>) -> ! {
    core::arch::wasm32::unreachable()
}

/// An object a handle addresses.
enum Object {
    /// A compiled policy.
    Policy(crate::policy::Policy),
    /// Level names, lowest first (`create(KIND_LEVELS)`): at most one past the limit is kept.
    #[cfg(feature = "access")]
    LevelsBuilder(Vec<alloc::string::String>),
    /// Compiled access levels.
    #[cfg(feature = "access")]
    Levels(crate::access::Levels),
    /// Compiled rate limits (`create(KIND_LIMITER)`).
    #[cfg(feature = "ratelimit")]
    Limiter(ratelimit::RateLimiter),
    /// Validated code settings.
    #[cfg(feature = "codes")]
    Codes(crate::codes::CodeConfig),
}

/// The objects, by handle (their index); freed slots are reused.
struct Table {
    objects: Vec<Option<Object>>,
    free: Vec<u32>,
    /// The rate limiters' I/O buffer, one for all of them (one call runs at a time), made with
    /// the first limiter and never reallocated (see `ratelimit`).
    #[cfg(feature = "ratelimit")]
    limits_io: Vec<f64>,
}

impl Table {
    /// The object `handle` addresses, or [`Fail::Invalid`].
    fn get(&mut self, handle: u32) -> Result<&mut Object, Fail> {
        let slot = self.objects.get_mut(handle as usize);
        slot.and_then(Option::as_mut).ok_or(Fail::Invalid)
    }

    /// Removes the object `handle` addresses (a builder being built, or a released object).
    fn take(&mut self, handle: u32) -> Result<Object, Fail> {
        let taken = self.objects.get_mut(handle as usize).and_then(Option::take);
        let object = taken.ok_or(Fail::Invalid)?;
        self.free.push(handle);
        Ok(object)
    }

    /// Stores `object` and returns its handle.
    fn insert(&mut self, object: Object) -> Result<u32, Fail> {
        if let Some(handle) = self.free.pop() {
            if let Some(slot) = self.objects.get_mut(handle as usize) {
                *slot = Some(object);
                return Ok(handle);
            }
        }
        if self.objects.capacity() == 0 {
            // The table's first block made at once (see `FIRST_WORDS`).
            self.objects = Vec::with_capacity(FIRST_OBJECTS);
        }
        self.objects.push(Some(object));
        // Far fewer objects than 2^32 fit in a 32-bit memory.
        u32::try_from(self.objects.len() - 1).map_err(|_| Fail::Invalid)
    }
}

/// The engine's state: the I/O area (words, so that arrays of `f64` in it are aligned) and
/// the objects.
struct State {
    io: Vec<u64>,
    table: Table,
}

/// The state, for the exports below only.
struct Global(RefCell<State>);

// SAFETY: `wasm32-unknown-unknown` without the `atomics` feature (this crate's target) has one
// thread: the state is never reached from two threads. A call made while another runs (the
// random import calling back into the engine) finds the `RefCell` borrowed and is refused.
unsafe impl Sync for Global {}

static STATE: Global = Global(RefCell::new(State {
    io: Vec::new(),
    table: Table {
        objects: Vec::new(),
        free: Vec::new(),
        #[cfg(feature = "ratelimit")]
        limits_io: Vec::new(),
    },
}));

/// Why a call gives no answer.
enum Fail {
    /// The engine refused the input: written to the I/O area, [`ERROR`].
    Engine(Error),
    /// The call makes no sense (see [`crate::wire::abi`]): [`INVALID`].
    Invalid,
}

impl From<Error> for Fail {
    fn from(e: Error) -> Fail {
        Fail::Engine(e)
    }
}

/// What a call answers: a number returned as it is, or bytes or `f64`s written to the I/O area
/// (their count returned).
enum Answer {
    Int(u32),
    Bytes(Vec<u8>),
    /// A handle returned, with bytes written to the I/O area (their count known to the caller).
    Handle(u32, Vec<u8>),
    #[cfg(any(feature = "access", feature = "codes"))]
    Floats(Vec<f64>),
}

/// `words` as the bytes they occupy.
fn as_bytes(words: &[u64]) -> &[u8] {
    // SAFETY: a `u64` is 8 initialized bytes without padding and `u8` has alignment 1: the same
    // memory, read as `size_of_val(words)` bytes, for the same borrow.
    unsafe {
        core::slice::from_raw_parts(words.as_ptr().cast::<u8>(), core::mem::size_of_val(words))
    }
}

/// Appends `bytes` to the I/O area, 8 to a word (the last one padded with zeros).
fn pack(io: &mut Vec<u64>, bytes: &[u8]) {
    io.reserve(bytes.len().div_ceil(8));
    for c in bytes.chunks(8) {
        let mut w = 0;
        for (k, &b) in c.iter().enumerate() {
            w |= u64::from(b) << (8 * k);
        }
        io.push(w);
    }
}

/// Reads a call's input from the I/O area, front to back.
struct Reader<'a> {
    words: &'a [u64],
    at: usize,
}

impl<'a> Reader<'a> {
    /// The next `len` bytes.
    fn bytes(&mut self, len: u32) -> Result<&'a [u8], Fail> {
        let end = self.at.checked_add(len as usize).ok_or(Fail::Invalid)?;
        let b = as_bytes(self.words)
            .get(self.at..end)
            .ok_or(Fail::Invalid)?;
        self.at = end;
        Ok(b)
    }

    /// The next string, `len` bytes of UTF-8. ASCII (every name a configuration or a check
    /// passes in practice) is recognised by a loop of a few bytes of wasm; anything else is
    /// validated by [`utf8_slow`], out of line: V8 compiles a function whole at its first call,
    /// so inlined here it was compiled by the first call of every context. (It checks with
    /// `unicode::is_utf8`, not `core::str::from_utf8`: 0.6 KB less wasm.)
    fn text(&mut self, len: u32) -> Result<&'a str, Fail> {
        let bytes = self.bytes(len)?;
        if bytes.iter().all(|&b| b < 0x80) {
            // SAFETY: bytes below 0x80 are ASCII, each a whole UTF-8 character: `bytes` is
            // valid UTF-8, exactly what `from_utf8` would have accepted.
            return Ok(unsafe { core::str::from_utf8_unchecked(bytes) });
        }
        utf8_slow(bytes)
    }

    /// The next string, or `None` for a length of [`ABSENT`].
    #[cfg(feature = "access")]
    fn optional(&mut self, len: u32) -> Result<Option<&'a str>, Fail> {
        if len == ABSENT {
            return Ok(None);
        }
        self.text(len).map(Some)
    }

    /// The `i`-th number (`u32`) from the area's start, whatever was read so far.
    fn u32_at(&self, i: u32) -> Result<u32, Fail> {
        let at = (i as usize).checked_mul(4).ok_or(Fail::Invalid)?;
        let end = at.checked_add(4).ok_or(Fail::Invalid)?;
        let b = as_bytes(self.words).get(at..end).ok_or(Fail::Invalid)?;
        Ok(b.iter().rev().fold(0, |n, &x| n << 8 | u32::from(x)))
    }

    /// Skips `n` bytes.
    fn skip(&mut self, n: u32) -> Result<(), Fail> {
        self.bytes(n).map(|_| ())
    }

    /// The next `n` numbers (`u32`), read where they lie ([`as_u32s`]): no copy, no
    /// allocation. They must start at a multiple of 4 bytes (an access batch's do: they open
    /// its input), or the call is refused. Collecting them into a `Vec` (`chunks_exact(4)`, or
    /// a loop pushing each) linked a division-by-zero panic path or was about 15% slower, and
    /// with [`Reader::f64s`]'s collect cost `access_resolve` 807 B of wasm.
    #[cfg(feature = "access")]
    fn u32s(&mut self, n: u32) -> Result<&'a [u32], Fail> {
        if self.at % 4 != 0 {
            return Err(Fail::Invalid);
        }
        let start = self.at / 4;
        let end = start.checked_add(n as usize).ok_or(Fail::Invalid)?;
        let w = as_u32s(self.words).get(start..end).ok_or(Fail::Invalid)?;
        self.at = end * 4;
        Ok(w)
    }

    /// The next `n` numbers (`f64`), from the next multiple of 8 bytes, read where they lie
    /// ([`as_f64s`]).
    #[cfg(feature = "access")]
    fn f64s(&mut self, n: u32) -> Result<&'a [f64], Fail> {
        let start = crate::wire::abi::align(self.at) / 8;
        let end = start.checked_add(n as usize).ok_or(Fail::Invalid)?;
        let w = as_f64s(self.words).get(start..end).ok_or(Fail::Invalid)?;
        self.at = end * 8;
        Ok(w)
    }
}

/// `words` as the `u32`s they occupy (in wasm's little-endian order).
#[cfg(feature = "access")]
fn as_u32s(words: &[u64]) -> &[u32] {
    // SAFETY: a `u64` is two initialized `u32`s without padding, and its alignment (8) is a
    // multiple of a `u32`'s (4): the same memory, for the same borrow.
    unsafe { core::slice::from_raw_parts(words.as_ptr().cast::<u32>(), words.len() * 2) }
}

/// `words` as the `f64`s they occupy (any 64 bits are an `f64`: `f64::from_bits`).
#[cfg(feature = "access")]
fn as_f64s(words: &[u64]) -> &[f64] {
    // SAFETY: `f64` has the size and alignment of `u64`, and every bit pattern is a valid
    // `f64`: the same memory, for the same borrow.
    unsafe { core::slice::from_raw_parts(words.as_ptr().cast::<f64>(), words.len()) }
}

/// `bytes` as a string, or [`Fail::Invalid`] when they are not UTF-8: [`Reader::text`]'s
/// path for input that is not all ASCII (kept out of it: see there and `NO_INLINE` in
/// scripts/build-pkg.mjs).
#[cold]
#[inline(never)]
fn utf8_slow(bytes: &[u8]) -> Result<&str, Fail> {
    if !crate::unicode::is_utf8(bytes) {
        return Err(Fail::Invalid);
    }
    // SAFETY: `is_utf8` accepts exactly the well-formed UTF-8 `from_utf8` accepts
    // (`tests/utf8.rs`).
    Ok(unsafe { core::str::from_utf8_unchecked(bytes) })
}

/// Runs one call: `f` gets the objects and the input; its answer or error is returned or
/// written to the I/O area as [`crate::wire::abi`] says.
fn call(f: impl FnOnce(&mut Table, &mut Reader<'_>) -> Result<Answer, Fail>) -> i32 {
    let Ok(mut state) = STATE.0.try_borrow_mut() else {
        return INVALID;
    };
    let State { io, table } = &mut *state;
    let answer = f(table, &mut Reader { words: io, at: 0 });
    finish(io, answer)
}

/// Returns `answer`, or writes it to the I/O area: the part of [`call`] every export shares
/// (one copy in the module, not one per export).
#[inline(never)]
fn finish(io: &mut Vec<u64>, answer: Result<Answer, Fail>) -> i32 {
    keep(io);
    match answer {
        // A handle, count or code: far below 2^31; an address is read back as unsigned.
        Ok(Answer::Int(n)) => n as i32,
        Ok(Answer::Bytes(b)) => {
            io.clear();
            pack(io, &b);
            count(b.len())
        }
        Ok(Answer::Handle(h, b)) => {
            io.clear();
            pack(io, &b);
            h as i32
        }
        #[cfg(any(feature = "access", feature = "codes"))]
        Ok(Answer::Floats(f)) => write_floats(io, &f),
        Err(Fail::Invalid) => INVALID,
        Err(Fail::Engine(e)) => {
            write_error(io, &e);
            ERROR
        }
    }
}

/// Gives a large I/O area's memory back: a large input is not kept past its call ([`finish`],
/// and the exports that answer without it).
#[inline(always)]
fn keep(io: &mut Vec<u64>) {
    if io.capacity() > KEEP {
        *io = Vec::new();
    }
}

/// Writes `f` to the I/O area and returns their count: [`finish`]'s answer of the access and
/// code decisions, a function of its own so that a context whose first calls answer no
/// numbers (a policy's) does not compile it with `finish`. Kept out of line by `NO_INLINE`
/// in scripts/build-pkg.mjs.
#[cfg(any(feature = "access", feature = "codes"))]
#[inline(never)]
fn write_floats(io: &mut Vec<u64>, f: &[f64]) -> i32 {
    io.clear();
    io.extend(f.iter().map(|x| x.to_bits()));
    count(f.len())
}

/// The most words the I/O area keeps between calls (64 KiB): every answer and every input of
/// the TypeScript layer's ordinary calls fits.
const KEEP: usize = 8192;

/// The I/O area's first block, in words (4 KiB), and the object table's, in objects: made at
/// their size rather than grown from nothing. V8 compiles a WebAssembly function at its first
/// call, and a fresh context's first request (a policy compiled, a permission checked) then
/// grows no vector at all, so never compiles vector growth (0.6 KB of wasm, about 0.05 ms of
/// a request after a GC).
const FIRST_WORDS: usize = 512;
const FIRST_OBJECTS: usize = 8;

/// `v` when the export's `given` flags hold `flag` (an optional number crosses as a value and
/// a flag saying whether it was given: `wire::abi::HAS_*`), else `None`.
#[cfg(any(feature = "ratelimit", feature = "codes"))]
fn given_if(given: u32, flag: u32, v: f64) -> Option<f64> {
    (given & flag != 0).then_some(v)
}

/// `n` (a length in the I/O area, below 2^31) as a return value.
fn count(n: usize) -> i32 {
    i32::try_from(n).unwrap_or(INVALID)
}

// The error layout's head holds the index of the error's code in `Kind::ALL`
// (`ENGINE_ERROR_CODES`), which is `kind as u8`.
const _: () =
    assert!(Kind::ALL[0] as u8 == 0 && Kind::ALL[1] as u8 == 1 && Kind::ALL[2] as u8 == 2);

/// Writes `e` into the I/O area (`crate::wire::abi::ERROR_*`): no message text is linked into
/// the module and no number is formatted here; the TypeScript layer fills the message from the
/// generated templates. A function of its own, off [`finish`]: V8 compiles a wasm function
/// at its first call, and every call's first run of `finish` would compile this too.
#[cold]
#[inline(never)]
fn write_error(io: &mut Vec<u64>, e: &Error) {
    let (mut nums, mut texts) = (Vec::new(), Vec::new());
    error_parts(e, |part| match part {
        Part::Num(n) => nums.push(n),
        Part::Text(t) => texts.push(t),
    });
    io.clear();
    let head = [
        f64::from(e.kind() as u8),
        nums.len() as f64,
        texts.len() as f64,
    ];
    io.extend(head.iter().chain(&nums).map(|x| x.to_bits()));
    io.extend(texts.iter().map(|t| (t.len() as f64).to_bits()));
    let mut bytes = Vec::new();
    for t in texts {
        bytes.extend_from_slice(t.as_bytes());
    }
    pack(io, &bytes);
}

/// The module's function export for every operation but those exported on their own
/// ([`crate::wire::abi::OWN_EXPORTS`], which it refuses): runs operation `op`
/// ([`crate::wire::abi::OPS`], its index there) with its parameters, the first of `a` to `l` (the rest are ignored), each an
/// `f64` ([`crate::wire::abi::Num`]: a `u32` crosses as the `i32` that JavaScript's `x | 0`
/// makes of it, read back as unsigned, exactly as an `i32` parameter crossed). The id of no
/// operation of this module (one of a capability it was built without, or none) is
/// [`INVALID`]. Each operation stays a function of its own (`#[inline(never)]`, and
/// scripts/build-pkg.mjs keeps wasm-opt from inlining them): V8 compiles a wasm function whole
/// at its first call, so this one stays small and a request compiles only what it runs.
#[no_mangle]
#[allow(clippy::too_many_arguments, clippy::many_single_char_names)]
pub extern "C" fn run(
    op: u32,
    a: f64,
    b: f64,
    c: f64,
    d: f64,
    e: f64,
    f: f64,
    g: f64,
    h: f64,
    i: f64,
    j: f64,
    k: f64,
    l: f64,
) -> i32 {
    use crate::wire::abi::op as id;
    #[cfg(any(feature = "access", feature = "ratelimit"))]
    const CREATE: u32 = id("create");
    const RELEASE: u32 = id("release");
    #[cfg(feature = "codes")]
    const IS_SECRET_KEY: u32 = id("is_secret_key");
    #[cfg(feature = "access")]
    const LEVELS_LEVEL: u32 = id("levels_level");
    #[cfg(feature = "access")]
    const LEVELS_BUILD: u32 = id("levels_build");
    #[cfg(feature = "access")]
    const ACCESS_LEVELS: u32 = id("access_levels");
    #[cfg(feature = "access")]
    const ACCESS_INFO: u32 = id("access_info");
    #[cfg(feature = "access")]
    const ACCESS_RESOLVE: u32 = id("access_resolve");
    #[cfg(feature = "access")]
    const ACCESS_CAN_SHARE: u32 = id("access_can_share");
    #[cfg(feature = "access")]
    const ACCESS_CAN_TRANSFER: u32 = id("access_can_transfer");
    #[cfg(feature = "ratelimit")]
    const LIMITER_ADD: u32 = id("limiter_add");
    #[cfg(feature = "ratelimit")]
    const LIMITER_CAPACITY: u32 = id("limiter_capacity");
    #[cfg(feature = "ratelimit")]
    const LIMITER_IO: u32 = id("limiter_io");
    #[cfg(feature = "codes")]
    const CODES_NEW: u32 = id("codes_new");
    #[cfg(feature = "codes")]
    const CODES_MESSAGE: u32 = id("codes_message");
    #[cfg(feature = "codes")]
    const CODES_VERIFY: u32 = id("codes_verify");
    #[cfg(feature = "codes")]
    const CODES_ISSUE: u32 = id("codes_issue");
    // Silences the parameters a module without some capability never reads.
    let _ = (b, c, d, e, f, g, h, i, j, k, l);
    match op {
        #[cfg(any(feature = "access", feature = "ratelimit"))]
        CREATE => create(u(a)),
        RELEASE => release(u(a)),
        #[cfg(feature = "codes")]
        IS_SECRET_KEY => codes::is_secret_key(u(a)),
        #[cfg(feature = "access")]
        LEVELS_LEVEL => access::levels_level(u(a), u(b)),
        #[cfg(feature = "access")]
        LEVELS_BUILD => access::levels_build(u(a), u(b), u(c)),
        #[cfg(feature = "access")]
        ACCESS_LEVELS => access::access_levels(u(a)),
        #[cfg(feature = "access")]
        ACCESS_INFO => access::access_info(u(a)),
        #[cfg(feature = "access")]
        ACCESS_RESOLVE => access::access_resolve(u(a), u(b), u(c)),
        #[cfg(feature = "access")]
        ACCESS_CAN_SHARE => access::access_can_share(u(a), b, c),
        #[cfg(feature = "access")]
        ACCESS_CAN_TRANSFER => access::access_can_transfer(u(a), b),
        #[cfg(feature = "ratelimit")]
        LIMITER_ADD => ratelimit::limiter_add(u(a), u(b), c, d, e, f, u(g)),
        #[cfg(feature = "ratelimit")]
        LIMITER_CAPACITY => ratelimit::limiter_capacity(u(a), u(b)),
        #[cfg(feature = "ratelimit")]
        LIMITER_IO => ratelimit::limiter_io(u(a)),
        #[cfg(feature = "codes")]
        CODES_NEW => codes::codes_new(u(a), b, c, d, e, f, g, h, u(i)),
        #[cfg(feature = "codes")]
        CODES_MESSAGE => codes::codes_message(u(a), u(b), u(c), u(d), u(e), u(f)),
        #[cfg(feature = "codes")]
        CODES_VERIFY => codes::codes_verify(u(a), u(b), c, u(d), u(e), f, g, h, i, u(j), k),
        #[cfg(feature = "codes")]
        CODES_ISSUE => codes::codes_issue(u(a), u(b), c, d, e, f, u(g)),
        _ => INVALID,
    }
}

/// A `u32` parameter of an operation as it crossed ([`run`]): an `f64` holding the `i32`
/// that ToInt32 made of it, read back as unsigned (anything else, which the generated callers
/// never send, saturates as Rust's `as` does).
fn u(x: f64) -> u32 {
    x as i32 as u32
}

/// Makes the I/O area at least `len` bytes long, keeping what it holds, and returns its
/// address (a multiple of 8), or 0 (refused) while another call runs, for a `len` above
/// [`MAX_IO_BYTES`] (a length past `isize::MAX` would overflow the `Vec`, a panic, and one
/// just below it would grow the memory to 2 GiB for the instance's life), or when the memory
/// cannot grow to hold it (`try_reserve`: a refusal, where `resize` alone trapped).
#[no_mangle]
pub extern "C" fn buffer(len: u32) -> i32 {
    let Ok(mut state) = STATE.0.try_borrow_mut() else {
        return 0;
    };
    if len > MAX_IO_BYTES {
        return 0;
    }
    let words = (len as usize).div_ceil(8);
    let io = &mut state.io;
    if io.len() < words {
        // The area's first block made at once (see `FIRST_WORDS`): an empty `Vec` reserves
        // exactly what it is asked for.
        let want = if io.capacity() == 0 {
            words.max(FIRST_WORDS)
        } else {
            words
        };
        if io.try_reserve(want - io.len()).is_err() {
            return 0;
        }
        io.resize(words, 0);
    }
    // A 32-bit address space: the address fits, read back as unsigned.
    io.as_ptr() as usize as i32
}

/// Makes an empty object of a `KIND_*` and returns its handle. (A policy has no builder
/// object: its configuration crosses in one call, `policy_compile`.)
#[cfg(any(feature = "access", feature = "ratelimit"))]
#[inline(never)]
fn create(kind: u32) -> i32 {
    call(|table, _| {
        let object = match kind {
            #[cfg(feature = "access")]
            KIND_LEVELS => Object::LevelsBuilder(Vec::new()),
            #[cfg(feature = "ratelimit")]
            crate::wire::abi::KIND_LIMITER => ratelimit::new(table),
            _ => return Err(Fail::Invalid),
        };
        table.insert(object).map(Answer::Int)
    })
}

/// Frees the object `handle` addresses (JavaScript's finalizer, once its wrapper is gone).
#[inline(never)]
fn release(handle: u32) -> i32 {
    call(|table, _| table.take(handle).map(|_| Answer::Int(0)))
}

/// Fills `dest` from JavaScript's `crypto.getRandomValues` (getrandom's `custom` backend,
/// chosen in `.cargo/config.toml`): `env.random`, called inside the call that needs the bytes
/// and never at instantiation. The module cargo builds imports it; the shipped one imports
/// nothing and calls it through slot 0 of its `random` table, which the loader fills before a
/// code's generation (scripts/build-pkg.mjs `randomThroughTable`). `crate::random` asks for at most
/// 65,536 bytes at a time, the most `getRandomValues` gives in one call.
///
/// # Safety
/// `dest` must be valid for writes of `len` bytes (getrandom's contract for this function).
#[no_mangle]
unsafe extern "Rust" fn __getrandom_v03_custom(
    dest: *mut u8,
    len: usize,
) -> Result<(), getrandom::Error> {
    #[link(wasm_import_module = "env")]
    extern "C" {
        /// Writes `len` random bytes at `dest`; returns 0, or 1 when the platform has none.
        #[link_name = "random"]
        fn js_random(dest: *mut u8, len: usize) -> i32;
    }
    // SAFETY: `dest` is `len` writable bytes (this function's contract); the import writes
    // exactly those bytes of the memory and touches nothing else of the engine.
    match unsafe { js_random(dest, len) } {
        0 => Ok(()),
        _ => Err(getrandom::Error::UNSUPPORTED),
    }
}
