//! The client's side of shared memory (issue 5): the host's segments, mapped as they are
//! announced, and the client's own upload segments, where bytes Python sends are copied once
//! for the host to use in place.
//!
//! Mappings are reference-counted: a `JSBuffer` holds the mapping it points into, so its memory
//! stays readable after the host retires the segment or dies.

use std::collections::{HashMap, HashSet};
use std::os::fd::{AsFd, BorrowedFd, OwnedFd};
use std::sync::{Arc, Mutex};

use napi_link::shm::{alloc, Allocator, Mapping, OwnSegment};
use napi_protocol::{Region, SegmentOwner, LENT_SEGMENT};

use crate::lend::Lends;
use crate::pending::Pending;

#[derive(Default)]
struct HostSegments {
    live: HashMap<u32, Arc<Mapping>>,
    /// Announced on both sockets: a late second announcement of a retired segment is ignored.
    retired: HashSet<u32>,
}

#[derive(Default)]
struct Own {
    alloc: Allocator,
    segments: HashMap<u32, OwnSegment>,
    /// Blocks whose bytes Python still copies back after the call (writable arguments), with
    /// whether the host returned them meanwhile.
    pinned: HashMap<(u32, u64), bool>,
    unavailable: bool,
}

impl Own {
    /// Frees `region`; answers the segment it emptied and unmapped, which the host must be told of.
    fn free(&mut self, region: Region) -> Option<u32> {
        match self.alloc.free(region.segment, region.offset, region.len) {
            Ok(Some(empty)) => {
                self.alloc.remove_segment(empty);
                self.segments.remove(&empty);
                Some(empty)
            }
            Ok(None) => None,
            Err(why) => {
                tracing_free_error(region, why);
                None
            }
        }
    }
}

fn tracing_free_error(region: Region, why: &str) {
    eprintln!("napi_python: the host returned a block it was not given ({region:?}): {why}");
}

#[derive(Default)]
pub struct ClientShm {
    host: Mutex<HostSegments>,
    own: Mutex<Own>,
    /// Segments of ours unmapped that the host has not been told of.
    retired: Pending<u32>,
    /// Python buffers lent to an in-process host, given back as blocks too.
    pub lends: Lends,
}

/// Memory a `JSBuffer` points into, kept mapped for as long as it does.
pub struct Memory {
    /// `None` for an empty region, which needs no mapping.
    pub mapping: Option<Arc<Mapping>>,
    pub ptr: *mut u8,
    pub len: usize,
}

impl ClientShm {
    /// A segment the host announced (its descriptor just arrived).
    pub fn host_segment(&self, id: u32, size: u64, fd: OwnedFd) -> Result<(), String> {
        let mut host = self.host.lock().unwrap();
        if host.live.contains_key(&id) || host.retired.contains(&id) {
            return Ok(());
        }
        let mapping = Mapping::of_peer(fd.as_fd(), size).map_err(|e| format!("cannot map the host's segment {id}: {e}"))?;
        host.live.insert(id, Arc::new(mapping));
        Ok(())
    }

    pub fn host_retired(&self, id: u32) {
        let mut host = self.host.lock().unwrap();
        host.live.remove(&id);
        host.retired.insert(id);
    }

    /// Blocks of ours the host is done with.
    pub fn returned(&self, blocks: Vec<Region>) {
        let mut own = self.own.lock().unwrap();
        for r in blocks.into_iter().filter(|r| r.owner == SegmentOwner::Client) {
            if r.segment == LENT_SEGMENT {
                self.lends.returned(r.offset);
                continue;
            }
            match own.pinned.get_mut(&(r.segment, r.offset)) {
                Some(returned) => *returned = true,
                None => self.retired.extend(own.free(r)),
            }
        }
    }

    /// The memory of a region the host sent (in its segment or in one of ours).
    pub fn memory(&self, region: Region) -> Option<Memory> {
        if region.len == 0 {
            return Some(Memory { mapping: None, ptr: std::ptr::NonNull::dangling().as_ptr(), len: 0 });
        }
        let mapping = match region.owner {
            SegmentOwner::Host => self.host.lock().unwrap().live.get(&region.segment)?.clone(),
            SegmentOwner::Client => self.own.lock().unwrap().segments.get(&region.segment)?.mapping.clone(),
        };
        let ptr = mapping.range(region.offset, region.len)?;
        Some(Memory { ptr, len: usize::try_from(region.len).ok()?, mapping: Some(mapping) })
    }

    /// The host region holding `ptr..ptr+len`, if that memory is the host's shared memory.
    pub fn locate(&self, ptr: *const u8, len: usize) -> Option<Region> {
        let host = self.host.lock().unwrap();
        host.live.iter().find_map(|(&segment, m)| {
            let offset = m.offset_of(ptr, len)?;
            Some(Region { owner: SegmentOwner::Host, segment, offset, len: len as u64 })
        })
    }

    /// Copies `bytes` into a block of ours for the host; `pin` keeps the block until `unpin`
    /// (to copy the host's writes back). `announce` sends a new segment's descriptor before
    /// anything can mention it. `None` when shared memory cannot be had.
    pub fn upload(
        &self,
        bytes: &[u8],
        pin: bool,
        announce: impl FnOnce(u32, u64, BorrowedFd<'_>) -> std::io::Result<()>,
    ) -> Option<Region> {
        let mut own = self.own.lock().unwrap();
        if own.unavailable {
            return None;
        }
        let len = bytes.len() as u64;
        let (segment, offset) = match own.alloc.alloc(len) {
            Some(b) => b,
            None => {
                let size = alloc::segment_size_for(len);
                let made = OwnSegment::create(size).and_then(|seg| {
                    let id = own.alloc.add_segment(size);
                    // Under the lock: no other thread can use the segment before the host has
                    // its descriptor.
                    announce(id, size, seg.fd.as_fd())?;
                    own.segments.insert(id, seg);
                    Ok(id)
                });
                if let Err(e) = made {
                    eprintln!("napi_python: shared memory unavailable, buffers will be copied through the socket: {e}");
                    own.unavailable = true;
                    return None;
                }
                own.alloc.alloc(len).expect("a fresh segment fits its block")
            }
        };
        let ptr = own.segments[&segment].mapping.range(offset, len).expect("the allocator stays inside its segments");
        if pin {
            own.pinned.insert((segment, offset), false);
        }
        drop(own);
        // SAFETY: a block only this call uses until the host gets it, `len` bytes long.
        unsafe { std::ptr::copy_nonoverlapping(bytes.as_ptr(), ptr, bytes.len()) };
        Some(Region { owner: SegmentOwner::Client, segment, offset, len })
    }

    /// Whether any own segment was retired since the last `take_retired` (a look at a flag).
    pub fn has_retired(&self) -> bool {
        !self.retired.is_empty()
    }

    /// Own segments retired since the last call, for the host to unmap too.
    pub fn take_retired(&self) -> Vec<u32> {
        self.retired.take()
    }

    /// The bytes of a pinned upload block, to copy back (valid until `unpin`).
    pub fn pinned_bytes(&self, region: Region) -> Option<&[u8]> {
        let own = self.own.lock().unwrap();
        let ptr = own.segments.get(&region.segment)?.mapping.range(region.offset, region.len)?;
        // SAFETY: the block stays allocated while pinned (`returned` defers its freeing), and
        // its segment with it; the caller uses the slice before `unpin`.
        Some(unsafe { std::slice::from_raw_parts(ptr, region.len as usize) })
    }

    /// Ends a pin; frees the block if the host returned it meanwhile.
    pub fn unpin(&self, region: Region) {
        let mut own = self.own.lock().unwrap();
        if own.pinned.remove(&(region.segment, region.offset)) == Some(true) {
            self.retired.extend(own.free(region));
        }
    }
}
