use super::*;
use crate::frames::{read_message, write_message};
use crate::shm::ring::RING_CAPACITY;
use crate::shm::OwnSegment;
use napi_protocol::frame::FrameError;
use std::sync::atomic::Ordering;
use std::thread;

#[cfg(unix)]
mod unix;
#[cfg(unix)]
use unix::{connection_pair, nothing_to_wait_on, on_one_cpu, ready_descriptor};
#[cfg(windows)]
mod windows;
#[cfg(windows)]
use windows::{connection_pair, nothing_to_wait_on, on_one_cpu, ready_descriptor};

/// A client's and a host's ends over one pair of rings (the host maps the client's file).
fn ends() -> ((RingIn, RingOut), (RingIn, RingOut)) {
    let (rings, file) = Rings::create().unwrap();
    let peer = Rings::of_peer(file.descriptor()).unwrap();
    let (a, b) = connection_pair();
    (over_rings(&rings, Side::Client, a), over_rings(&peer, Side::Host, b))
}

#[test]
fn frames_larger_than_the_ring_stream_through() {
    let ((_, mut to_host), (mut from_client, _)) = ends();
    let big: Vec<u8> = (0..5 * RING_CAPACITY as usize + 12_345).map(|i| (i * 7) as u8).collect();
    let expected = big.clone();
    let writer = thread::spawn(move || {
        for _ in 0..3 {
            write_message(&mut to_host, &big).unwrap();
        }
        to_host
    });
    for _ in 0..3 {
        let got: Vec<u8> = read_message(&mut from_client, 64 << 20).unwrap();
        assert!(got == expected);
    }
    writer.join().unwrap();
}

/// A reader that idles on a wake-up of its own (an in-process host thread), told by the writer's
/// `RoomWait`, which counts the waits it wraps.
struct TellReader {
    tell: std::sync::Mutex<std::sync::mpsc::Sender<()>>,
    waits: std::sync::atomic::AtomicUsize,
}

impl RoomWait for TellReader {
    fn waiting(&self, wait: &mut dyn FnMut()) {
        self.waits.fetch_add(1, Ordering::SeqCst);
        let _ = self.tell.lock().unwrap().send(());
        wait();
    }
}

#[test]
fn a_frame_larger_than_the_ring_tells_a_reader_that_idles_elsewhere() {
    let ((_, mut to_host), (mut from_client, _)) = ends();
    let (tell, told) = std::sync::mpsc::channel();
    let room_wait = Arc::new(TellReader { tell: std::sync::Mutex::new(tell), waits: Default::default() });
    to_host.set_room_wait(room_wait.clone());
    // Without being told, the reader would never come, and the write would end at this deadline.
    to_host.set_deadline(Deadline::After(Duration::from_secs(30)));
    write_message(&mut to_host, &vec![1u8; 1000]).unwrap();
    assert_eq!(room_wait.waits.load(Ordering::SeqCst), 0, "a frame that fits waits for nothing");
    let big: Vec<u8> = (0..2 * RING_CAPACITY as usize).map(|i| (i * 13) as u8).collect();
    let expected = big.clone();
    let writer = thread::spawn(move || write_message(&mut to_host, &big).map(|()| to_host));
    // The reader idles until told, as a host thread idles on its own bell.
    told.recv_timeout(Duration::from_secs(30)).expect("the writer never told the reader that bytes wait");
    let small: Vec<u8> = read_message(&mut from_client, 64 << 20).unwrap();
    assert_eq!(small, vec![1u8; 1000]);
    let got: Vec<u8> = read_message(&mut from_client, 64 << 20).unwrap();
    assert!(got == expected);
    writer.join().unwrap().unwrap();
    assert!(room_wait.waits.load(Ordering::SeqCst) >= 1);
}

#[test]
fn a_sleeping_reader_is_woken_by_the_next_write_on_both_sides() {
    // Pinned to one CPU, every wait sleeps: each message goes through the flag and the bell.
    let ((mut from_host, mut to_host), (mut from_client, mut to_client)) = ends();
    let host = on_one_cpu(move || {
        while let Ok(n) = read_message::<u64>(&mut from_client, 1 << 10) {
            write_message(&mut to_client, &(n + 1)).unwrap();
        }
    });
    let client = on_one_cpu(move || {
        for i in 0..2000u64 {
            write_message(&mut to_host, &i).unwrap();
            assert_eq!(read_message::<u64>(&mut from_host, 1 << 10).unwrap(), i + 1);
        }
        // After a pause long past any spin, the host sleeps: a write still wakes it.
        thread::sleep(Duration::from_millis(20));
        write_message(&mut to_host, &41u64).unwrap();
        assert_eq!(read_message::<u64>(&mut from_host, 1 << 10).unwrap(), 42);
        to_host.hang_up().unwrap();
    });
    client.join().unwrap();
    host.join().unwrap();
}

#[test]
fn unpinned_waits_spin_then_sleep_and_see_late_writes() {
    let ((_, mut to_host), (mut from_client, _)) = ends();
    let writer = thread::spawn(move || {
        for delay_us in [0u64, 10, 30, 100, 1000, 5000, 20_000] {
            thread::sleep(Duration::from_micros(delay_us));
            write_message(&mut to_host, &delay_us).unwrap();
        }
        to_host
    });
    for delay_us in [0u64, 10, 30, 100, 1000, 5000, 20_000] {
        assert_eq!(from_client.wait(Some(Instant::now() + Duration::from_secs(10)), None).unwrap(), Woken::Readable);
        assert_eq!(read_message::<u64>(&mut from_client, 1 << 10).unwrap(), delay_us);
    }
    writer.join().unwrap();
}

#[test]
fn a_wait_ends_at_its_deadline_or_for_the_other_descriptor() {
    let ((mut from_host, _to_host), _host) = ends();
    let start = Instant::now();
    assert_eq!(from_host.wait(Some(start + Duration::from_millis(30)), None).unwrap(), Woken::TimedOut);
    assert!(start.elapsed() >= Duration::from_millis(30));
    let ready = ready_descriptor();
    let also = Also { fd: ready.raw(), ready: &|| false };
    assert_eq!(from_host.wait(None, Some(also)).unwrap(), Woken::Also);
}

#[test]
fn a_hang_up_ends_a_wait_whose_other_thing_is_always_ready() {
    // The host's events, posted without pause: its waits must still see the client leave.
    let ((_, to_host), (mut from_client, _)) = ends();
    let also = Also { fd: nothing_to_wait_on(), ready: &|| true };
    assert_eq!(from_client.wait(None, Some(also)).unwrap(), Woken::Also);
    to_host.hang_up().unwrap();
    assert_eq!(from_client.wait(None, Some(also)).unwrap(), Woken::Readable);
    assert!(matches!(read_message::<u32>(&mut from_client, 1 << 10), Err(FrameError::Closed)));
}

#[test]
fn a_peer_that_dies_ends_the_stream_after_what_it_wrote() {
    let ((mut from_host, _), (_, mut to_client)) = ends();
    write_message(&mut to_client, &7u32).unwrap();
    // Half a frame, then the peer's process is gone: its socket closes with it.
    to_client.write_all(&[9, 0, 0, 0, 1]).unwrap();
    drop(to_client);
    assert_eq!(read_message::<u32>(&mut from_host, 1 << 10).unwrap(), 7);
    assert!(matches!(read_message::<u32>(&mut from_host, 1 << 10), Err(FrameError::Truncated)));
}

#[test]
fn ends_made_on_a_thread_that_has_ended_stay_linked() {
    // Windows cancels the I/O a thread left pending when the thread ends: the read each end keeps
    // pending on its pipe was started by the thread that made the ends, and its cancellation
    // must not read as the peer hanging up (a host started from a Python thread that then ended
    // was killed as one that hung up).
    let ((mut from_host, mut to_host), (mut from_client, mut to_client)) = thread::spawn(ends).join().unwrap();
    let soon = || Some(Instant::now() + Duration::from_millis(30));
    assert_eq!(from_host.wait(soon(), None).unwrap(), Woken::TimedOut);
    assert_eq!(from_client.wait(soon(), None).unwrap(), Woken::TimedOut);
    write_message(&mut to_client, &7u32).unwrap();
    assert_eq!(read_message::<u32>(&mut from_host, 1 << 10).unwrap(), 7);
    write_message(&mut to_host, &8u32).unwrap();
    assert_eq!(read_message::<u32>(&mut from_client, 1 << 10).unwrap(), 8);
}

#[test]
fn a_writer_facing_a_full_ring_gives_up_when_the_peer_is_gone() {
    let ((_, mut to_host), host) = ends();
    drop(host);
    let e = to_host.write_all(&vec![0u8; RING_CAPACITY as usize + 1]).unwrap_err();
    assert_eq!(e.kind(), io::ErrorKind::BrokenPipe);
}

#[test]
fn descriptors_reach_the_reader_before_their_announcement() {
    let ((_, mut to_host), (mut from_client, _)) = ends();
    let segments: Vec<_> = (0..3u8)
        .map(|i| {
            let s = OwnSegment::create(4096).unwrap();
            // SAFETY: inside the 4 KiB mapping.
            unsafe { *s.mapping.as_ptr() = i + 10 };
            s
        })
        .collect();
    for (i, s) in segments.iter().enumerate() {
        write_message(&mut to_host, &(i as u32)).unwrap();
        to_host.write_with_fd(&napi_protocol::frame::encode(&(100 + i as u32)).unwrap(), s.descriptor()).unwrap();
    }
    for i in 0..3u32 {
        assert_eq!(read_message::<u32>(&mut from_client, 64).unwrap(), i);
        assert_eq!(read_message::<u32>(&mut from_client, 64).unwrap(), 100 + i);
        let fd = from_client.take_fd().expect("the descriptor came first");
        let m = crate::shm::Mapping::of_peer(crate::shm::borrow_descriptor(&fd), 4096).unwrap();
        // SAFETY: inside the mapping.
        assert_eq!(unsafe { *m.as_ptr() }, i as u8 + 10);
    }
    assert!(from_client.take_fd().is_none(), "an announcement without a descriptor finds none");
}

#[test]
fn impossible_indices_fail_the_read_instead_of_reading_out_of_bounds() {
    let (rings, file) = Rings::create().unwrap();
    let (a, _b) = connection_pair();
    let (mut from_host, _) = over_rings(&rings, Side::Client, a);
    // A hostile host claims more than a ring's worth of bytes.
    // SAFETY: the write index of the ring to the client is the first word of its control block,
    // which starts after the other ring's three lines.
    let word = unsafe { std::sync::atomic::AtomicU64::from_ptr(file.mapping.as_ptr().add(3 * 128).cast()) };
    word.store(3 * RING_CAPACITY, Ordering::SeqCst);
    let e = read_message::<u32>(&mut from_host, 64).unwrap_err();
    assert!(matches!(&e, FrameError::Io(io) if io.kind() == io::ErrorKind::InvalidData), "{e}");
}

#[test]
fn a_peer_that_stops_inside_a_frame_times_the_read_out_at_the_stall_or_the_deadline() {
    let ((mut from_host, _), (_, mut to_client)) = ends();
    // Half a header, then nothing: the peer lives on (its socket stays open).
    to_client.write_all(&[9, 0]).unwrap();
    let start = Instant::now();
    from_host.set_limits(None, Some(Duration::from_millis(50)));
    let e = read_message::<u32>(&mut from_host, 1 << 10).unwrap_err();
    assert!(matches!(&e, FrameError::Io(io) if io.kind() == io::ErrorKind::TimedOut), "{e}");
    assert!(start.elapsed() >= Duration::from_millis(50));
    // A header claiming more than follows: the body times out at the deadline.
    let ((mut from_host, _), (_, mut to_client)) = ends();
    to_client.write_all(&[200, 0, 0, 0, 1, 2]).unwrap();
    let start = Instant::now();
    from_host.set_limits(Some(start + Duration::from_millis(40)), Some(Duration::from_secs(60)));
    let e = read_message::<u32>(&mut from_host, 1 << 10).unwrap_err();
    assert!(matches!(&e, FrameError::Io(io) if io.kind() == io::ErrorKind::TimedOut), "{e}");
    assert!(start.elapsed() < Duration::from_secs(30), "the deadline, not the stall, ended it");
}

#[test]
fn a_writer_facing_a_full_ring_gives_up_at_its_deadline() {
    // The peer lives and reads nothing.
    let ((_, mut to_host), _host) = ends();
    let start = Instant::now();
    to_host.set_deadline(Deadline::At(start + Duration::from_millis(50)));
    let e = to_host.write_all(&vec![0u8; RING_CAPACITY as usize + 1]).unwrap_err();
    assert_eq!(e.kind(), io::ErrorKind::TimedOut);
    assert!(start.elapsed() >= Duration::from_millis(50));
}

#[test]
fn a_timeout_starts_at_the_first_wait_that_fixes_it_and_stays_there() {
    let timeout = Duration::from_secs(7);
    let mut deadline = Deadline::after(Some(timeout));
    assert_eq!(deadline, Deadline::After(timeout), "not started before a wait");
    let before = Instant::now();
    let at = deadline.fix().unwrap();
    assert!(before + timeout <= at && at <= Instant::now() + timeout);
    assert_eq!(deadline, Deadline::At(at));
    assert_eq!(deadline.fix(), Some(at), "a later wait ends at the same instant");
    assert_eq!(Deadline::after(None).fix(), None);
    assert_eq!(Deadline::After(Duration::MAX).fix(), None, "past what an Instant holds: never");
}

#[test]
fn a_writer_starts_its_timeout_only_when_it_waits_for_room() {
    // The peer lives and reads nothing.
    let ((_, mut to_host), _host) = ends();
    let timeout = Duration::from_millis(50);
    to_host.set_deadline(Deadline::After(timeout));
    write_message(&mut to_host, &vec![1u8; 1000]).unwrap();
    assert_eq!(to_host.deadline(), Deadline::After(timeout), "a write that found room started no timeout");
    let start = Instant::now();
    let e = to_host.write_all(&vec![0u8; RING_CAPACITY as usize]).unwrap_err();
    assert_eq!(e.kind(), io::ErrorKind::TimedOut);
    let Deadline::At(at) = to_host.deadline() else { panic!("the wait for room fixed no deadline") };
    assert!(at >= start + timeout && Instant::now() >= at);
}

#[test]
fn a_flood_of_descriptors_fails_the_wait_and_closes_them() {
    let ((mut from_host, _), (_, to_client)) = ends();
    let seg = OwnSegment::create(4096).unwrap();
    for _ in 0..crate::shm::MAX_QUEUED_FDS + 8 {
        to_client.bell.send_descriptor(seg.descriptor()).unwrap();
    }
    let e = from_host.wait(Some(Instant::now() + Duration::from_secs(10)), None).unwrap_err();
    assert_eq!(e.kind(), io::ErrorKind::InvalidData, "{e}");
    assert!(from_host.bell.fds.lock().unwrap().is_empty(), "the queued descriptors were closed");
}

#[test]
fn descriptors_sent_far_ahead_of_the_reader_each_with_its_announcement_are_no_flood() {
    // A peer that makes segments faster than the reader reads them: on Windows one read of the
    // pipe brings many handles, and taking the first ones took them all, then failed as a flood
    // past MAX_QUEUED_FDS (test_hostile_host.py's segment flood met it).
    let ((mut from_host, _), (_, mut to_client)) = ends();
    let seg = OwnSegment::create(4096).unwrap();
    let count = 2 * crate::shm::MAX_QUEUED_FDS as u32 + 8;
    for i in 0..count {
        to_client.write_with_fd(&napi_protocol::frame::encode(&i).unwrap(), seg.descriptor()).unwrap();
    }
    for i in 0..count {
        assert_eq!(read_message::<u32>(&mut from_host, 64).unwrap(), i);
        assert!(from_host.take_fd().is_some(), "segment {i}'s descriptor");
    }
}

#[test]
fn the_event_ring_carries_events_and_their_descriptors_beside_the_main_rings() {
    let (rings, file) = Rings::create().unwrap();
    let peer = Rings::of_peer(file.descriptor()).unwrap();
    let (main_client, main_host) = connection_pair();
    let (events_client, events_host) = connection_pair();
    let (mut from_host, _) = over_rings(&rings, Side::Client, main_client);
    let (_, mut to_client) = over_rings(&peer, Side::Host, main_host);
    let mut events = events_in(&rings, events_client);
    let mut to_events = events_out(&peer, events_host);
    let segment = OwnSegment::create(4096).unwrap();
    // SAFETY: inside the 4 KiB mapping.
    unsafe { *segment.mapping.as_ptr() = 77 };
    write_message(&mut to_client, &1u32).unwrap();
    write_message(&mut to_events, &2u32).unwrap();
    to_events.write_with_fd(&napi_protocol::frame::encode(&3u32).unwrap(), segment.descriptor()).unwrap();
    // Each ring holds its own frames: the event ring does not overlap the ring to the client.
    assert_eq!(read_message::<u32>(&mut from_host, 64).unwrap(), 1);
    assert_eq!(read_message::<u32>(&mut events, 64).unwrap(), 2);
    assert_eq!(read_message::<u32>(&mut events, 64).unwrap(), 3);
    assert!(from_host.take_fd().is_none(), "the event's descriptor came on the event socket");
    let fd = events.take_fd().expect("the descriptor came ahead of its announcement");
    let m = crate::shm::Mapping::of_peer(crate::shm::borrow_descriptor(&fd), 4096).unwrap();
    // SAFETY: inside the mapping.
    assert_eq!(unsafe { *m.as_ptr() }, 77);
    // A host that ends closes the event socket: the dispatcher's wait (a sleep at once, on one
    // CPU) ends with the stream, whether it began before the end or after.
    let sleeper = on_one_cpu(move || read_message::<u32>(&mut events, 64));
    drop(to_events);
    assert!(matches!(sleeper.join().unwrap(), Err(FrameError::Closed)));
}

#[test]
fn a_reader_that_must_not_wait_takes_only_whole_frames() {
    use crate::frames::FrameReader;
    let ((_, mut to_host), (from_client, _)) = ends();
    let mut reader = FrameReader::new(from_client, 64, 1 << 20);
    assert!(!reader.fill_ready().unwrap(), "nothing written");
    let frame = napi_protocol::frame::encode(&7u32).unwrap();
    let (head, rest) = frame.split_at(frame.len() - 1);
    to_host.write_all(head).unwrap();
    assert!(!reader.fill_ready().unwrap(), "a frame's last byte missing: a read would wait for it");
    to_host.write_all(rest).unwrap();
    assert!(reader.fill_ready().unwrap());
    assert_eq!(reader.read::<u32>().unwrap(), 7);
    // Larger than the reader's buffer: never whole in it, left to a read that may wait.
    let big = napi_protocol::frame::encode(&vec![1u8; 200]).unwrap();
    to_host.write_all(&big).unwrap();
    assert!(!reader.fill_ready().unwrap());
    assert_eq!(reader.read::<Vec<u8>>().unwrap(), vec![1u8; 200]);
}

#[test]
fn a_frame_reader_takes_whole_frames_from_the_ring_only_when_nothing_is_buffered() {
    use crate::frames::FrameReader;
    let ((_, mut to_host), (from_client, _)) = ends();
    let mut reader = FrameReader::new(from_client, 1024, 1 << 20);
    let mut room = [0u8; 16];
    assert_eq!(reader.take_ready(&mut room).unwrap(), Take::Empty);
    // Two frames in one write: taken from the ring one at a time.
    to_host.write_all(&[2, 0, 0, 0, b'a', b'b', 1, 0, 0, 0, b'c']).unwrap();
    assert_eq!(reader.take_ready(&mut room).unwrap(), Take::Frame(2));
    assert_eq!(&room[..2], b"ab");
    // Once the reader has buffered bytes, they go first: nothing more is taken from the ring.
    to_host.write_all(&[1, 0, 0, 0, b'd']).unwrap();
    assert!(reader.fill_ready().unwrap());
    assert_eq!(reader.take_ready(&mut room).unwrap(), Take::Otherwise);
    assert_eq!(reader.read_with(|p| Ok(p.to_vec())).unwrap(), b"c");
    assert_eq!(reader.read_with(|p| Ok(p.to_vec())).unwrap(), b"d");
    // A frame longer than the room, and one cut short, are read as before.
    to_host.write_all(&[20, 0, 0, 0]).unwrap();
    to_host.write_all(&[5; 20]).unwrap();
    assert_eq!(reader.take_ready(&mut room).unwrap(), Take::Otherwise);
    assert_eq!(reader.read_with(|p| Ok(p.to_vec())).unwrap(), [5; 20]);
    to_host.write_all(&[3, 0, 0, 0, b'e']).unwrap();
    assert_eq!(reader.take_ready(&mut room).unwrap(), Take::Otherwise);
    assert!(!reader.fill_ready().unwrap());
    to_host.write_all(b"fg").unwrap();
    assert_eq!(reader.take_ready(&mut room).unwrap(), Take::Otherwise, "its start is buffered now");
    assert_eq!(reader.read_with(|p| Ok(p.to_vec())).unwrap(), b"efg");
}
