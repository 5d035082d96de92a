//! The client's side of shared memory: the host's segments, mapped as they are
//! announced, and the client's own upload segments, where bytes Python sends are copied once
//! for the host to use in place.
//!
//! Mappings are reference-counted: a `JSBuffer` holds the mapping it points into, so its memory
//! stays readable after the host retires the segment or dies.
//!
//! The host's news are checked, as a host may be hostile: a segment is announced once on each
//! stream, in rising id order, within [`MAX_HOST_SEGMENTS`] and [`MAX_HOST_MAPPED`] bytes, and
//! retired once; a block comes back only if it was given to the host, once. Anything else is a
//! [`Violation`].

use std::collections::{HashMap, HashSet};
use std::sync::{Arc, Mutex};

use napi_link::shm::{alloc, borrow_descriptor, Allocator, BorrowedDescriptor, Mapping, OwnSegment, OwnedDescriptor};
use napi_protocol::{Region, SegmentOwner, LENT_SEGMENT};

use crate::link::inbound::Violation;
use crate::link::lends::Lends;
use crate::link::pending::Pending;

/// A host's segments mapped at once, at most: each costs a mapping of this process's (the
/// kernel allows about 65,000 in all), and an honest host's are 32 MiB or more each, so
/// [`MAX_HOST_MAPPED`] binds long before this does.
pub const MAX_HOST_SEGMENTS: usize = 4096;

/// Bytes of a host's segments mapped at once, at most: address space of this process, which a
/// host announcing sparse terabyte files would otherwise use up.
pub const MAX_HOST_MAPPED: u64 = 64 << 30;

/// Which of a host's streams a message came on: segments are announced on both.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Stream {
    /// The rings (or, in-process, the host's news handed over directly: the only stream then).
    Main,
    /// The event socket.
    Events,
}

#[derive(Default)]
struct HostSegments {
    live: HashMap<u32, Arc<Mapping>>,
    mapped: u64,
    /// The highest id announced on each stream (each announces in rising order).
    highest: [Option<u32>; 2],
    /// Retired before the other stream announced them: that late announcement is ignored.
    retired: HashSet<u32>,
}

#[derive(Default)]
struct Own {
    alloc: Allocator,
    segments: HashMap<u32, OwnSegment>,
    /// Blocks handed to the host and not returned yet, with their lengths.
    given: HashMap<(u32, u64), u64>,
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
            // Blocks are freed only once given back (`given`), so the allocator agrees.
            Ok(None) | Err(_) => None,
        }
    }
}

pub struct ClientShm {
    host: Mutex<HostSegments>,
    own: Mutex<Own>,
    /// Segments of ours unmapped that the host has not been told of.
    retired: Pending<u32>,
    /// Python buffers lent to an in-process host, given back as blocks too.
    pub lends: Lends,
    /// Whether the host announces its segments on two streams (isolated) or one (in-process).
    two_streams: bool,
}

/// Memory a `JSBuffer` points into, kept mapped for as long as it does.
pub struct Memory {
    /// `None` for an empty region, which needs no mapping.
    pub mapping: Option<Arc<Mapping>>,
    pub ptr: *mut u8,
    pub len: usize,
}

fn violation<T>(why: String) -> Result<T, Violation> {
    Err(Violation(why))
}

impl ClientShm {
    /// `two_streams`: the host announces each segment on the rings and on the event socket.
    pub fn new(two_streams: bool) -> ClientShm {
        ClientShm { host: Mutex::default(), own: Mutex::default(), retired: Pending::default(), lends: Lends::default(), two_streams }
    }

    /// A segment the host announced on `stream` (its descriptor just arrived).
    pub fn host_segment(&self, id: u32, size: u64, fd: OwnedDescriptor, stream: Stream) -> Result<(), Violation> {
        let mut host = self.host.lock().unwrap();
        let highest = &mut host.highest[stream as usize];
        if highest.is_some_and(|h| id <= h) {
            return violation(format!("segment {id} announced again, or out of order"));
        }
        *highest = Some(id);
        if host.retired.remove(&id) {
            return Ok(());
        }
        if let Some(m) = host.live.get(&id) {
            // The other stream's announcement of it.
            return if m.len() as u64 == size { Ok(()) } else { violation(format!("segment {id} announced with two sizes")) };
        }
        if host.live.len() >= MAX_HOST_SEGMENTS || host.mapped.saturating_add(size) > MAX_HOST_MAPPED {
            return violation(format!(
                "segment {id} of {size} bytes, past the {MAX_HOST_SEGMENTS} segments or {} GiB a host may have mapped",
                MAX_HOST_MAPPED >> 30
            ));
        }
        let mapping =
            Mapping::of_peer(borrow_descriptor(&fd), size).map_err(|e| Violation(format!("segment {id}, which cannot be mapped ({e})")))?;
        host.mapped += size;
        host.live.insert(id, Arc::new(mapping));
        Ok(())
    }

    /// The host unmapped its segment `id`.
    pub fn host_retired(&self, id: u32) -> Result<(), Violation> {
        let mut host = self.host.lock().unwrap();
        let Some(m) = host.live.remove(&id) else { return violation(format!("the retirement of segment {id}, which is not mapped")) };
        host.mapped -= m.len() as u64;
        // Announced on one stream so far: the other's announcement is still to come.
        let seen_by_both = host.highest.iter().all(|h| h.is_some_and(|h| h >= id));
        if self.two_streams && !seen_by_both {
            if host.retired.len() >= MAX_HOST_SEGMENTS {
                return violation(format!("more than {MAX_HOST_SEGMENTS} segments announced on one stream only"));
            }
            host.retired.insert(id);
        }
        Ok(())
    }

    /// Blocks of ours the host is done with: each one given to it, once.
    pub fn returned(&self, blocks: Vec<Region>) -> Result<(), Violation> {
        let mut own = self.own.lock().unwrap();
        for r in blocks {
            if r.owner == SegmentOwner::Client && r.segment == LENT_SEGMENT {
                // A lent buffer's token (in-process only); an unknown token is ignored there.
                self.lends.returned(r.offset);
                continue;
            }
            if r.owner != SegmentOwner::Client || own.given.get(&(r.segment, r.offset)) != Some(&r.len) {
                return violation(format!("a block it was not given back ({r:?})"));
            }
            own.given.remove(&(r.segment, r.offset));
            match own.pinned.get_mut(&(r.segment, r.offset)) {
                Some(returned) => *returned = true,
                None => self.retired.extend(own.free(r)),
            }
        }
        Ok(())
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
    /// anything can mention it. `None` when shared memory cannot be had. From here the host
    /// may give the block back (`returned`), and only then is it freed.
    pub fn upload(
        &self,
        bytes: &[u8],
        pin: bool,
        announce: impl FnOnce(u32, u64, BorrowedDescriptor<'_>) -> std::io::Result<()>,
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
                    announce(id, size, borrow_descriptor(&seg.fd))?;
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
        // The mapping is held through the copy, made without the lock.
        let mapping = own.segments[&segment].mapping.clone();
        let ptr = mapping.range(offset, len).expect("the allocator stays inside its segments");
        if pin {
            own.pinned.insert((segment, offset), false);
        }
        drop(own);
        // SAFETY: a block only this call uses until the host gets it (it is not `given` yet, so
        // no message can free it), `len` bytes long, in a mapping held meanwhile.
        unsafe { std::ptr::copy_nonoverlapping(bytes.as_ptr(), ptr, bytes.len()) };
        self.own.lock().unwrap().given.insert((segment, offset), len);
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
        if !own.pinned.contains_key(&(region.segment, region.offset)) {
            return None;
        }
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

    /// How many of the host's segments are mapped, and their bytes.
    pub fn host_mapped(&self) -> (usize, u64) {
        let host = self.host.lock().unwrap();
        (host.live.len(), host.mapped)
    }

    /// Forgets the host's segments and our own (the host is gone): their mappings and
    /// descriptors are let go, except what buffers still point into.
    pub fn release(&self) {
        *self.host.lock().unwrap() = HostSegments::default();
        let mut own = self.own.lock().unwrap();
        let unavailable = own.unavailable;
        *own = Own { unavailable, ..Own::default() };
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn segment(size: u64) -> OwnedDescriptor {
        OwnSegment::create(size).unwrap().fd
    }

    #[test]
    fn segments_come_once_per_stream_in_order_within_the_caps() {
        let shm = ClientShm::new(true);
        shm.host_segment(1, 4096, segment(4096), Stream::Main).unwrap();
        shm.host_segment(1, 4096, segment(4096), Stream::Events).unwrap();
        assert!(shm.host_segment(1, 4096, segment(4096), Stream::Main).is_err(), "a replay");
        shm.host_segment(3, 4096, segment(4096), Stream::Main).unwrap();
        assert!(shm.host_segment(2, 4096, segment(4096), Stream::Main).is_err(), "out of order");
        let shm = ClientShm::new(true);
        shm.host_segment(1, 4096, segment(4096), Stream::Main).unwrap();
        assert!(shm.host_segment(1, 8192, segment(8192), Stream::Events).is_err(), "two sizes");
        let shm = ClientShm::new(true);
        assert!(shm.host_segment(1, MAX_HOST_MAPPED + 1, segment(4096), Stream::Main).is_err(), "past the bytes cap");
        // Ids after the refused one: its announcement counts for the order.
        let first = 2;
        for id in first..first + MAX_HOST_SEGMENTS as u32 {
            shm.host_segment(id, 4096, segment(4096), Stream::Main).unwrap();
        }
        assert!(shm.host_segment(first + MAX_HOST_SEGMENTS as u32, 4096, segment(4096), Stream::Main).is_err(), "past the count cap");
    }

    #[test]
    fn a_segment_retired_before_its_second_announcement_is_not_mapped_again() {
        let shm = ClientShm::new(true);
        shm.host_segment(1, 4096, segment(4096), Stream::Main).unwrap();
        shm.host_retired(1).unwrap();
        shm.host_segment(1, 4096, segment(4096), Stream::Events).unwrap();
        assert!(shm.host.lock().unwrap().live.is_empty());
        assert!(shm.host.lock().unwrap().retired.is_empty(), "both streams are past it");
        assert!(shm.host_retired(1).is_err(), "retired twice");
        assert!(shm.host_retired(9).is_err(), "never announced");
    }

    #[test]
    fn only_blocks_given_to_the_host_come_back_once() {
        let shm = ClientShm::new(true);
        let r = shm.upload(&[1; 5000], false, |_, _, _| Ok(())).unwrap();
        assert!(shm.returned(vec![Region { len: 4999, ..r }]).is_err(), "another length");
        assert!(shm.returned(vec![Region { owner: SegmentOwner::Host, ..r }]).is_err(), "the host's own");
        assert!(shm.returned(vec![Region { offset: r.offset + 64, ..r }]).is_err(), "a block never given");
        shm.returned(vec![r]).unwrap();
        assert!(shm.returned(vec![r]).is_err(), "returned twice");
    }
}
