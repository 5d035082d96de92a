use std::cell::{Cell, RefCell};
use std::rc::Rc;

use napi_link::shm::{BorrowedDescriptor, OwnSegment};
use napi_protocol::value_tree::bytes_value;
use napi_protocol::{BufferKind, Region, SegmentOwner, Value, LENT_SEGMENT};

use super::{copy_back, fits_inline, is_lent, Destination, Uploads, INLINE_BYTES, LEND_BYTES};
use crate::link::lends::{Pin, Pinned};
use crate::link::shared_memory::{ClientShm, Stream};

/// A host's memory with no host: segments announced to nobody, or refused.
struct Host {
    shm: ClientShm,
    in_process: bool,
    refuse_segments: bool,
    announced: Cell<u32>,
}

impl Host {
    fn new(in_process: bool) -> Host {
        Host { shm: ClientShm::new(true), in_process, refuse_segments: false, announced: Cell::new(0) }
    }
}

impl Destination for Host {
    fn shm(&self) -> &ClientShm {
        &self.shm
    }

    fn announce(&self, _id: u32, _size: u64, _fd: BorrowedDescriptor<'_>) -> std::io::Result<()> {
        if self.refuse_segments {
            return Err(std::io::Error::other("no shared memory here"));
        }
        self.announced.set(self.announced.get() + 1);
        Ok(())
    }

    fn in_process(&self) -> bool {
        self.in_process
    }
}

/// A writable buffer of the caller's, as a binding's handle on it.
type Target = Rc<RefCell<Vec<u8>>>;

fn writable(bytes: &[u8]) -> Target {
    Rc::new(RefCell::new(bytes.to_vec()))
}

/// A pin of `size` bytes that counts its releases.
struct CountedPin(u64, Rc<Cell<u32>>);

// SAFETY for the tests only: the pins never leave the test's thread.
unsafe impl Send for CountedPin {}

impl Pinned for CountedPin {
    fn size(&self) -> u64 {
        self.0
    }

    fn release(self: Box<Self>) {
        self.1.set(self.1.get() + 1);
    }
}

/// The addon writing `byte` over the whole upload block of `value`.
fn addon_writes(host: &Host, value: &Value, byte: u8) {
    let Value::Upload { region, .. } = value else { panic!("not an upload: {value:?}") };
    let memory = host.shm.memory(*region).unwrap();
    // SAFETY: the block is `len` bytes of a mapping `memory` holds.
    unsafe { std::ptr::write_bytes(memory.ptr, byte, memory.len) };
}

fn copy_into(target: &Target, written: &[u8]) -> Result<(), String> {
    copy_back(&mut target.borrow_mut(), written);
    Ok(())
}

#[test]
fn the_thresholds() {
    assert!(fits_inline(INLINE_BYTES - 1) && !fits_inline(INLINE_BYTES));
    assert!(is_lent(LEND_BYTES, true, true));
    assert!(!is_lent(LEND_BYTES - 1, true, true), "small: copied");
    assert!(!is_lent(LEND_BYTES, false, true), "read-only: copied");
    assert!(!is_lent(LEND_BYTES, true, false), "another process: copied");
}

#[test]
fn small_read_only_bytes_go_in_the_message_and_larger_ones_by_shared_memory() {
    let host = Host::new(false);
    let uploads = Uploads::<Target>::default();
    let small = [7; INLINE_BYTES - 1];
    assert_eq!(uploads.send_bytes(&host, BufferKind::Uint8, &small, None), bytes_value(BufferKind::Uint8, &small));
    assert_eq!(host.announced.get(), 0, "no shared memory for a few bytes");
    let large = [7; INLINE_BYTES];
    let Value::Upload { kind: BufferKind::Uint8, region } = uploads.send_bytes(&host, BufferKind::Uint8, &large, None) else {
        panic!("a large buffer is uploaded")
    };
    assert_eq!((region.owner, region.len), (SegmentOwner::Client, INLINE_BYTES as u64));
    assert_eq!(host.shm.pinned_bytes(region), None, "read-only: nothing to copy back, so no pin");
    assert_eq!(host.announced.get(), 1);
}

#[test]
fn a_writable_buffer_is_uploaded_however_small_and_gets_the_addons_writes_back() {
    let host = Host::new(false);
    let mut uploads = Uploads::default();
    let target = writable(&[1, 2, 3]);
    let sent = uploads.send_bytes(&host, BufferKind::Buffer, &[1, 2, 3], Some(&target));
    addon_writes(&host, &sent, 9);
    // The owner shrank it during the call: only what it still holds is written.
    target.borrow_mut().truncate(2);
    uploads.write_back(&host, copy_into).unwrap();
    assert_eq!(*target.borrow(), [9, 9]);
    let Value::Upload { region, .. } = sent else { unreachable!() };
    assert_eq!(host.shm.pinned_bytes(region), None, "the pin ends with the copy back");
    uploads.write_back(&host, |_, _| Err("nothing is left to copy".to_string())).unwrap();
    uploads.end(&host);
}

#[test]
fn after_a_failed_copy_back_the_others_are_skipped_and_every_pin_ends() {
    let host = Host::new(false);
    let uploads = Uploads::default();
    let (first, second) = (writable(&[1; 8]), writable(&[2; 8]));
    let regions: Vec<Region> = [&first, &second]
        .map(|t| {
            let bytes = t.borrow().clone();
            let sent = uploads.send_bytes(&host, BufferKind::Buffer, &bytes, Some(t));
            addon_writes(&host, &sent, 5);
            let Value::Upload { region, .. } = sent else { unreachable!() };
            region
        })
        .into();
    let mut tried = 0;
    let result = uploads.write_back(&host, |_, _| {
        tried += 1;
        Err("read-only now")
    });
    assert_eq!((result, tried), (Err("read-only now"), 1));
    assert!(regions.iter().all(|r| host.shm.pinned_bytes(*r).is_none()));
    assert_eq!((first.borrow().as_slice(), second.borrow().as_slice()), (&[1; 8][..], &[2; 8][..]), "nothing copied");
}

#[test]
fn a_call_that_ends_without_copying_back_unpins_its_blocks() {
    let host = Host::new(false);
    let mut uploads = Uploads::default();
    let target = writable(&[1; 8]);
    let Value::Upload { region, .. } = uploads.send_bytes(&host, BufferKind::Buffer, &[1; 8], Some(&target)) else { panic!("uploaded") };
    assert!(host.shm.pinned_bytes(region).is_some());
    uploads.end(&host);
    assert_eq!(host.shm.pinned_bytes(region), None);
}

#[test]
fn without_shared_memory_every_buffer_goes_in_the_message() {
    let mut host = Host::new(false);
    host.refuse_segments = true;
    let uploads = Uploads::default();
    let target = writable(&[3; 8]);
    let large = [4; INLINE_BYTES * 2];
    assert_eq!(uploads.send_bytes(&host, BufferKind::Buffer, &large, None), bytes_value(BufferKind::Buffer, &large));
    assert_eq!(uploads.send_bytes(&host, BufferKind::Buffer, &[3; 8], Some(&target)), bytes_value(BufferKind::Buffer, &[3; 8]));
    let mut called = false;
    uploads
        .write_back(&host, |_, _| {
            called = true;
            Ok::<(), ()>(())
        })
        .unwrap();
    assert!(!called, "nothing was pinned to copy back");
}

#[test]
fn bytes_in_the_hosts_memory_go_in_place() {
    let host = Host::new(false);
    host.shm.host_segment(1, 4096, OwnSegment::create(4096).unwrap().fd, Stream::Main).unwrap();
    let memory = host.shm.memory(Region { owner: SegmentOwner::Host, segment: 1, offset: 64, len: 100 }).unwrap();
    // SAFETY: 100 bytes of a mapping `memory` holds.
    let bytes = unsafe { std::slice::from_raw_parts(memory.ptr, memory.len) };
    let sent = Uploads::<Target>::default().send_view(&host, bytes, None, || panic!("nothing to pin"));
    assert_eq!(
        sent,
        Value::InPlace { kind: BufferKind::Buffer, region: Region { owner: SegmentOwner::Host, segment: 1, offset: 64, len: 100 } }
    );
}

#[test]
fn in_process_a_large_writable_view_is_lent_in_place_when_it_can_be_pinned() {
    let released = Rc::new(Cell::new(0));
    let bytes = vec![0u8; LEND_BYTES];
    let target = writable(&[]);
    let pin = || Some(Box::new(CountedPin(LEND_BYTES as u64, released.clone())) as Pin);
    let host = Host::new(true);
    let uploads = Uploads::default();
    let Value::Lent { kind: BufferKind::Buffer, address, region } = uploads.send_view(&host, &bytes, Some(&target), pin) else {
        panic!("lent")
    };
    assert_eq!((address, region.segment, region.len), (bytes.as_ptr() as u64, LENT_SEGMENT, LEND_BYTES as u64));
    host.shm.lends.returned(region.offset);
    host.shm.lends.release_back();
    assert_eq!(released.get(), 1, "the pin is let go when the host gives the lend back");
    // Not pinned (another view's memory), read-only, or to another process: copied.
    assert!(matches!(uploads.send_view(&host, &bytes, Some(&target), || None), Value::Upload { .. }));
    assert!(matches!(uploads.send_view(&host, &bytes, None, || panic!("read-only")), Value::Upload { .. }));
    let mut uploads = uploads;
    uploads.end(&host);
    let (isolated, mut uploads) = (Host::new(false), Uploads::default());
    assert!(matches!(uploads.send_view(&isolated, &bytes, Some(&target), || panic!("isolated")), Value::Upload { .. }));
    uploads.end(&isolated);
}
