//! The wasm build's allocator: blocks of power-of-two sizes (8 bytes up), one free list per
//! size, carved from memory the module grows (`memory.grow`) as needed. Freed blocks are reused
//! for the same size; nothing is coalesced.
//!
//! Why not talc (the allocator before): V8 compiles each wasm function at its first call, and
//! every request of a Convex context is a first call. Talc's allocate, deallocate and their
//! helpers were six functions and 1.1 KB compiled by every context's first request; these are
//! two small ones. The engine's allocations are few, small and of recurring sizes (its objects,
//! their names and tables, the I/O area), which is what size classes without coalescing suit.

use core::alloc::{GlobalAlloc, Layout};
use core::arch::wasm32::{memory_grow, memory_size};
use core::cell::UnsafeCell;
use core::ptr::null_mut;

/// Bytes in a wasm page.
const PAGE: usize = 65_536;
/// The most a block is aligned to (its size, up to this): more alignment is refused.
const MAX_ALIGN: usize = 4096;

/// The allocator's state: free lists by size class (`size = 1 << class`, 0 when empty; a
/// free block's first word holds the next one's address), and the bump region `next..end`.
pub struct Heap(UnsafeCell<State>);

struct State {
    free: [usize; 32],
    next: usize,
    end: usize,
}

// SAFETY: `wasm32-unknown-unknown` without the `atomics` feature (this crate's target) has one
// thread, and no allocation calls back into the allocator.
unsafe impl Sync for Heap {}

impl Heap {
    /// An empty heap: its first allocation takes memory past what the module started with.
    pub const fn new() -> Heap {
        Heap(UnsafeCell::new(State {
            free: [0; 32],
            next: 0,
            end: 0,
        }))
    }
}

/// The size class of `layout`: `1 << class` bytes hold it, aligned as it needs.
fn class(size: usize, align: usize) -> Option<usize> {
    let size = size.max(align).max(8).checked_next_power_of_two()?;
    Some(size.trailing_zeros() as usize)
}

// SAFETY: blocks handed out never overlap: each comes from the bump region once (which only
// moves up, over memory the module owns) or from a free list, where only `dealloc` puts a block
// of that class; a block of class `c` is `1 << c` bytes aligned to `min(1 << c, MAX_ALIGN)`,
// which is at least the layout's alignment (refused above MAX_ALIGN).
unsafe impl GlobalAlloc for Heap {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        // SAFETY: one thread, and no reference to the state outlives this call.
        let s = unsafe { &mut *self.0.get() };
        let (Some(c), true) = (
            class(layout.size(), layout.align()),
            layout.align() <= MAX_ALIGN,
        ) else {
            return null_mut();
        };
        let Some(head) = s.free.get_mut(c) else {
            return null_mut();
        };
        if *head != 0 {
            let block = *head;
            // SAFETY: a free block of this class, whose first word `dealloc` wrote.
            *head = unsafe { *(block as *const usize) };
            return block as *mut u8;
        }
        let size = 1usize << c;
        let align = size.min(MAX_ALIGN);
        if s.end == 0 {
            // The memory the module started with holds its stack and data: the heap follows.
            let Some(start) = memory_size(0).checked_mul(PAGE) else {
                return null_mut();
            };
            (s.next, s.end) = (start, start);
        }
        // Every sum below is checked: an address space past 2^32 bytes is refused (null, which
        // Rust turns into a trap), never wrapped around.
        let at = s.next.checked_add(align - 1).map(|x| x & !(align - 1));
        let Some((at, top)) = at.and_then(|at| Some((at, at.checked_add(size)?))) else {
            return null_mut();
        };
        if top > s.end {
            let pages = (top - s.end).div_ceil(PAGE);
            // The new pages must follow the heap's end: only this allocator grows the memory.
            let grown = memory_grow(0, pages).checked_mul(PAGE);
            let Some(end) = pages.checked_mul(PAGE).and_then(|n| s.end.checked_add(n)) else {
                return null_mut();
            };
            if grown != Some(s.end) {
                return null_mut();
            }
            s.end = end;
        }
        s.next = top;
        at as *mut u8
    }

    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        // SAFETY: one thread, and no reference to the state outlives this call.
        let s = unsafe { &mut *self.0.get() };
        if let Some(head) = class(layout.size(), layout.align()).and_then(|c| s.free.get_mut(c)) {
            // SAFETY: `ptr` is a block of this class that `alloc` gave out (GlobalAlloc's
            // contract), at least 8 bytes and aligned: its first word is ours until reused.
            unsafe { *(ptr as *mut usize) = *head };
            *head = ptr as usize;
        }
    }

    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        if class(layout.size(), layout.align()) == class(new_size, layout.align()) {
            return ptr;
        }
        // SAFETY: GlobalAlloc's contract for `realloc` makes this layout valid.
        let new_layout = unsafe { Layout::from_size_align_unchecked(new_size, layout.align()) };
        // SAFETY: as GlobalAlloc's default `realloc`: a new block, the bytes both hold copied,
        // then the old block freed.
        unsafe {
            let new = self.alloc(new_layout);
            if !new.is_null() {
                core::ptr::copy_nonoverlapping(ptr, new, layout.size().min(new_size));
                self.dealloc(ptr, layout);
            }
            new
        }
    }
}
