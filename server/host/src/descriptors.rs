//! Descriptors a program passes to its addons (`js.descriptor`): the client sends its
//! descriptor itself (`ClientMessage::Descriptor`, over the socket as a segment's is, or handed
//! over in-process), so that the addon gets a number of the host's that is the same open file
//! (its offset, its status flags, the locks `flock` takes on it). The host keeps it as the
//! client named it until `Op::AdoptDescriptor` makes it the host's own, whose number the addon
//! gets; it stays open until `Op::CloseDescriptor` or the host's end.

use std::cell::RefCell;

use napi_link::shm::OwnedDescriptor;
use rustc_hash::{FxHashMap, FxHashSet};

use crate::dispatch::{bad, Error, OpOutput};
use crate::Host;
use napi_runtime::Value;

/// The descriptors the client sent, not adopted yet, and the numbers of those adopted.
#[derive(Default)]
pub(crate) struct Descriptors {
    came: RefCell<FxHashMap<u32, OwnedDescriptor>>,
    adopted: RefCell<FxHashSet<i64>>,
}

impl Host {
    /// A descriptor the client sent as `id` (kept until adopted; one sent again replaces it).
    pub(crate) fn add_client_descriptor(&self, id: u32, fd: OwnedDescriptor) {
        self.descriptors.came.borrow_mut().insert(id, fd);
    }

    pub(crate) fn adopt_descriptor(&self, id: u32) -> Result<OpOutput, Error> {
        let fd = self.descriptors.came.borrow_mut().remove(&id).ok_or_else(|| bad(format!("no descriptor {id} came from the client")))?;
        let number = into_number(fd)?;
        self.descriptors.adopted.borrow_mut().insert(number);
        Ok(OpOutput::Value(Value::Number(number as f64)))
    }

    pub(crate) fn close_descriptor(&self, fd: i64) -> Result<OpOutput, Error> {
        let adopted = self.descriptors.adopted.borrow_mut().remove(&fd);
        if adopted {
            close_number(fd);
        }
        Ok(OpOutput::Value(Value::Bool(adopted)))
    }
}

#[cfg(unix)]
fn into_number(fd: OwnedDescriptor) -> Result<i64, Error> {
    Ok(i64::from(std::os::fd::IntoRawFd::into_raw_fd(fd)))
}

#[cfg(unix)]
fn close_number(fd: i64) {
    // SAFETY: a descriptor this host adopted (`into_number`) and owns, closed once: it left the
    // set of adopted numbers first.
    unsafe { libc::close(fd as i32) };
}

#[cfg(windows)]
fn into_number(_: OwnedDescriptor) -> Result<i64, Error> {
    Err(bad("descriptors are passed to addons on POSIX systems only"))
}

#[cfg(windows)]
fn close_number(_: i64) {}
