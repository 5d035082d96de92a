//! Capabilities: a host run as root keeps none (clock, hostname, kernel log, accounting, device
//! nodes and the rest pass their checks otherwise), and its bounding set is emptied so that
//! nothing regains them.

use std::io::Error;

/// `_LINUX_CAPABILITY_VERSION_3`: two 32-bit words per set.
const VERSION_3: u32 = 0x2008_0522;

#[repr(C)]
struct Header {
    version: u32,
    pid: i32,
}

#[repr(C)]
#[derive(Clone, Copy, Default)]
struct Data {
    effective: u32,
    permitted: u32,
    inheritable: u32,
}

pub fn drop_all(active: &mut Vec<String>) -> Result<(), String> {
    let err = |what: &str| format!("capabilities: {what}: {}", Error::last_os_error());
    // SAFETY: prctl with integer arguments only.
    if unsafe { libc::prctl(libc::PR_CAP_AMBIENT, libc::PR_CAP_AMBIENT_CLEAR_ALL, 0, 0, 0) } != 0 {
        return Err(err("clearing the ambient set"));
    }
    // The bounding set first: dropping from it needs CAP_SETPCAP, gone after capset. Without
    // CAP_SETPCAP (not root) there is nothing to drop from: no capability is held, exec is
    // refused and no_new_privs stops every other way of gaining one.
    let mut cap = 0;
    // SAFETY: prctl with integer arguments only; reading past the last capability is EINVAL.
    while unsafe { libc::prctl(libc::PR_CAPBSET_READ, cap, 0, 0, 0) } >= 0 {
        // SAFETY: as above.
        if unsafe { libc::prctl(libc::PR_CAPBSET_DROP, cap, 0, 0, 0) } != 0 && Error::last_os_error().raw_os_error() != Some(libc::EPERM) {
            return Err(err("emptying the bounding set"));
        }
        cap += 1;
    }
    let header = Header { version: VERSION_3, pid: 0 };
    let none = [Data::default(); 2];
    // SAFETY: capset reads a version-3 header and the two data words it announces.
    if unsafe { libc::syscall(libc::SYS_capset, &header, none.as_ptr()) } != 0 {
        return Err(err("capset"));
    }
    active.push("no_capabilities".into());
    Ok(())
}
