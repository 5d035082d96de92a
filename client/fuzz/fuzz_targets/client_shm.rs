//! Plays a hostile host against the client's shared-memory bookkeeping
//! (src/link/shared_memory.rs): segments announced on either stream with any id and size, over
//! real sealed segments smaller, larger or equal to what is claimed, and over a file that is not
//! sealed; retirements of any id; blocks given back that were given, given twice or never;
//! regions named by any owner, segment, offset and length. Interleaved with the client's own
//! uploads, pins and unpins, and its forgetting of a dead host. Every answer is checked: memory
//! handed out lies inside a live mapping and is read whole (a mapping past its file's end would
//! fault), `locate` finds a region again, and the host's mapped bytes stay within the cap.
#![no_main]

use std::os::fd::{AsRawFd, FromRawFd, OwnedFd};

use libfuzzer_sys::fuzz_target;
use napi_link::shm::OwnSegment;
use napi_protocol::{Region, SegmentOwner, LENT_SEGMENT};

// The modules shared_memory.rs names as `crate::link::...`, compiled in by path as client_inbound
// compiles inbound.rs, and reached from `link` as the client reaches them. The client's own
// `cargo fmt --all` formats them.
#[allow(dead_code, reason = "the client uses parts of these modules this target does not")]
#[path = "../../src/link/inbound.rs"]
#[rustfmt::skip]
mod inbound;
#[allow(dead_code, reason = "the client uses parts of these modules this target does not")]
#[path = "../../src/link/lends.rs"]
#[rustfmt::skip]
mod lends;
#[allow(dead_code, reason = "the client uses parts of these modules this target does not")]
#[path = "../../src/link/pending.rs"]
#[rustfmt::skip]
mod pending;
#[allow(dead_code, reason = "the client uses parts of these modules this target does not")]
#[path = "../../src/link/shared_memory.rs"]
#[rustfmt::skip]
mod shared_memory;

mod link {
    pub(crate) use super::{inbound, lends, pending};
}

use shared_memory::{ClientShm, Memory, Stream, MAX_HOST_MAPPED, MAX_HOST_SEGMENTS};

/// Segment sizes a host claims and makes: small real ones, and claims no file backs.
const SIZES: [u64; 8] = [0, 1, 4096, 8192, 65536, 1 << 20, MAX_HOST_MAPPED, u64::MAX];

/// The input, read a byte or a word at a time; zeros once it runs out.
struct Input<'a>(&'a [u8]);

impl Input<'_> {
    fn byte(&mut self) -> u8 {
        let (&b, rest) = self.0.split_first().unwrap_or((&0, &[]));
        self.0 = rest;
        b
    }

    fn word(&mut self) -> u64 {
        (0..8).fold(0, |w, _| w << 8 | u64::from(self.byte()))
    }

    /// A number near the interesting ones: small, near a page, or any.
    fn number(&mut self) -> u64 {
        match self.byte() % 4 {
            0 => u64::from(self.byte()),
            1 => 4096u64.wrapping_add(u64::from(self.byte())).wrapping_sub(128),
            2 => SIZES[usize::from(self.byte()) % SIZES.len()],
            _ => self.word(),
        }
    }

    fn done(&self) -> bool {
        self.0.is_empty()
    }
}

/// A file that is not sealed: a host that could shrink it under the client's mapping.
fn unsealed(len: u64) -> Option<OwnedFd> {
    // SAFETY: memfd_create with a NUL-terminated name; ftruncate on the descriptor just made.
    unsafe {
        let raw = libc::syscall(libc::SYS_memfd_create, c"unsealed".as_ptr(), libc::MFD_CLOEXEC);
        let fd = OwnedFd::from_raw_fd(i32::try_from(raw).ok().filter(|&fd| fd >= 0)?);
        (libc::ftruncate(fd.as_raw_fd(), len as libc::off_t) == 0).then_some(fd)
    }
}

/// Reads every byte of memory handed out: a page past the file's end would fault here.
fn read_whole(memory: &Memory) -> u64 {
    // SAFETY: `memory` keeps its mapping alive and claims `len` bytes at `ptr`.
    let bytes = unsafe { std::slice::from_raw_parts(memory.ptr, memory.len) };
    bytes.iter().step_by(512).chain(bytes.last()).map(|&b| u64::from(b)).sum()
}

fuzz_target!(|data: &[u8]| {
    let mut input = Input(data);
    let shm = ClientShm::new(input.byte() & 1 == 0);
    let mut regions: Vec<Region> = Vec::new();
    let mut held: Vec<Memory> = Vec::new();
    let mut steps = 0;
    while !input.done() && steps < 64 {
        steps += 1;
        match input.byte() % 10 {
            0 => {
                // A segment announced: the claim, and a real file of some size behind it.
                let (id, claimed) = (input.byte().into(), input.number());
                let stream = if input.byte() & 1 == 0 { Stream::Main } else { Stream::Events };
                let made = input.byte();
                let real = SIZES[usize::from(made) % 6].max(1);
                let fd = if made & 0x80 != 0 { unsealed(real) } else { OwnSegment::create(real).ok().map(|s| s.fd) };
                let Some(fd) = fd else { continue };
                if shm.host_segment(id, claimed, fd, stream).is_ok() && claimed > 0 {
                    regions.push(Region { owner: SegmentOwner::Host, segment: id, offset: 0, len: claimed });
                }
            }
            1 => {
                let _ = shm.host_retired(input.byte().into());
            }
            2 => {
                let len = input.number() % (1 << 17);
                let pin = input.byte() & 1 == 1;
                let bytes = vec![0x5a; len as usize];
                if let Some(r) = shm.upload(&bytes, pin, |_, _, _| Ok(())) {
                    assert_eq!(r.len, len);
                    regions.push(r);
                }
            }
            3 => {
                // Blocks given back: those named, some changed, some twice.
                let mut blocks = Vec::new();
                for _ in 0..input.byte() % 4 {
                    let Some(&r) = regions.get(usize::from(input.byte())) else { continue };
                    blocks.push(match input.byte() % 6 {
                        0 => Region { offset: r.offset.wrapping_add(input.number()), ..r },
                        1 => Region { len: input.number(), ..r },
                        2 => Region { owner: SegmentOwner::Host, ..r },
                        3 => Region { segment: LENT_SEGMENT, ..r },
                        _ => r,
                    });
                }
                let _ = shm.returned(blocks);
            }
            4 | 5 => {
                // A region the host names: a known one, moved or stretched, or any.
                let region = match regions.get(usize::from(input.byte())) {
                    Some(&r) if input.byte() & 1 == 0 => {
                        let offset = r.offset.wrapping_add(input.number() % 8192);
                        Region { offset, len: input.number() % 8192, ..r }
                    }
                    Some(&r) => r,
                    None => {
                        let owner = if input.byte() & 1 == 0 { SegmentOwner::Host } else { SegmentOwner::Client };
                        Region { owner, segment: input.byte().into(), offset: input.number(), len: input.number() }
                    }
                };
                if let Some(memory) = shm.memory(region) {
                    assert_eq!(memory.len as u64, region.len);
                    if let Some(mapping) = &memory.mapping {
                        assert!(mapping.offset_of(memory.ptr, memory.len).is_some(), "memory outside its mapping");
                    }
                    std::hint::black_box(read_whole(&memory));
                    if region.owner == SegmentOwner::Host && memory.len > 0 {
                        let found = shm.locate(memory.ptr, memory.len).expect("the host's memory located");
                        assert_eq!((found.segment, found.offset, found.len), (region.segment, region.offset, region.len));
                    }
                    held.push(memory);
                }
            }
            6 => {
                let Some(&r) = regions.get(usize::from(input.byte())) else { continue };
                if let Some(bytes) = shm.pinned_bytes(r) {
                    assert_eq!(bytes.len() as u64, r.len);
                    std::hint::black_box(bytes.iter().map(|&b| u64::from(b)).sum::<u64>());
                }
                shm.unpin(r);
            }
            7 => {
                let _ = shm.take_retired();
            }
            8 => {
                // What buffers hold stays readable after the host is forgotten.
                shm.release();
                for memory in &held {
                    std::hint::black_box(read_whole(memory));
                }
            }
            _ => held.clear(),
        }
        let (count, bytes) = shm.host_mapped();
        assert!(count <= MAX_HOST_SEGMENTS && bytes <= MAX_HOST_MAPPED);
    }
});
