//! Plays a hostile peer against one end of the shared-memory rings: the input is a list of
//! operations, this side's own pushes and pops mixed with the peer's writes of any word of the
//! control page and any bytes of the rings. Whatever the peer writes, this side's reads and
//! writes must stay inside the mapping (AddressSanitizer would see a copy out of it), and its
//! answers within what a ring can hold: an impossible index is an error, never a panic, a wrap
//! of the arithmetic or a length past the ring.
#![no_main]

use std::cell::RefCell;
use std::sync::atomic::{AtomicU64, Ordering};

use libfuzzer_sys::fuzz_target;
use napi_link::shm::ring::{Consumer, Direction, Producer, Take, RINGS_LEN, RING_CAPACITY};
use napi_link::shm::{OwnSegment, Rings};

/// The control words of the three rings lie in the control page's first 1,152 bytes, 128 apart;
/// the peer's writes land 64 bytes apart across its first 2 KiB, so many hit a word and the rest
/// land between or past them.
const CONTROL_WRITES: usize = 2048;

const DIRECTIONS: [Direction; 3] = [Direction::ToHost, Direction::ToClient, Direction::Events];

/// The control page in front of the rings.
const CONTROL_PAGE: usize = (RINGS_LEN - 3 * RING_CAPACITY) as usize;

/// What this side pushes (its bytes do not matter).
static PUSH: [u8; RING_CAPACITY as usize / 4] = [0x5a; RING_CAPACITY as usize / 4];

struct Ends {
    file: OwnSegment,
    rings: Rings,
}

thread_local! {
    // One mapping for every input: making a 3 MiB memory file per input would be most of the time.
    static ENDS: RefCell<Ends> = RefCell::new({
        let (rings, file) = Rings::create().expect("the rings are made");
        Ends { file, rings }
    });
}

fn take<'a>(data: &mut &'a [u8], n: usize) -> &'a [u8] {
    let (head, rest) = data.split_at(n.min(data.len()));
    *data = rest;
    head
}

fn number(data: &mut &[u8], width: usize) -> u64 {
    take(data, width).iter().rev().fold(0, |n, &b| n << 8 | u64::from(b))
}

fuzz_target!(|input: &[u8]| {
    ENDS.with_borrow(|ends| {
        let base = ends.file.mapping.as_ptr();
        // Every ring empty again: the control page zeroed (the bytes left in the rings are only
        // what a pop copies out, which nothing here looks at).
        // SAFETY: the control page lies at the start of the mapping, which holds RINGS_LEN bytes.
        unsafe { std::ptr::write_bytes(base, 0, CONTROL_PAGE) };
        let mut producers: Vec<Producer> = DIRECTIONS.map(|d| ends.rings.producer(d)).into();
        let mut consumers: Vec<Consumer> = DIRECTIONS.map(|d| ends.rings.consumer(d)).into();
        let mut data = input;
        let mut buf = vec![0u8; 1 << 16];
        while let [op, which, ..] = *data {
            data = &data[2..];
            let i = which as usize % 3;
            match op % 8 {
                0 => {
                    // This side writes up to a quarter ring at once: a few such pushes wrap it.
                    let len = number(&mut data, 3) as usize % PUSH.len();
                    if let Ok((n, _)) = producers[i].push(&PUSH[..len]) {
                        assert!(n <= len);
                    }
                }
                1 => {
                    let len = number(&mut data, 2) as usize % buf.len();
                    // A whole frame taken into a room of `len` bytes, on the peer's length word.
                    if which & 0x80 != 0 {
                        if let Ok(Take::Frame(n)) = consumers[i].take_frame(&mut buf[..len]) {
                            assert!(n <= len);
                        }
                    } else if let Ok(n) = consumers[i].pop(&mut buf[..len]) {
                        assert!(n <= len);
                    }
                }
                2 => {
                    // The peer writes a control word.
                    let at = (number(&mut data, 1) as usize * 64) % CONTROL_WRITES;
                    let word = number(&mut data, 8);
                    // SAFETY: `at` is 8-aligned and inside the control page of a live mapping;
                    // the peer's words are written atomically, as the ring reads them.
                    unsafe { (*base.add(at).cast::<AtomicU64>()).store(word, Ordering::Release) };
                }
                3 => {
                    // The peer writes bytes anywhere in the file.
                    let at = number(&mut data, 3) as usize % RINGS_LEN as usize;
                    let bytes = take(&mut data, 16);
                    let n = bytes.len().min(RINGS_LEN as usize - at);
                    // SAFETY: `at + n` stays inside the mapping.
                    unsafe { std::ptr::copy_nonoverlapping(bytes.as_ptr(), base.add(at), n) };
                }
                4 => {
                    if let Ok(n) = consumers[i].available() {
                        assert!(n <= RING_CAPACITY);
                    }
                }
                5 => {
                    if let Ok(n) = producers[i].free() {
                        assert!(n <= RING_CAPACITY);
                    }
                }
                6 => {
                    let _ = consumers[i].prepare_sleep();
                    consumers[i].touch_next();
                }
                _ => consumers[i].awake(),
            }
        }
    });
});
