//! How the body of a Node-API function fails: with a status, a message, or a thrown value
//! (`entry.rs` records it as the call's status).

use napi_runtime::{Thrown, Value};

use super::types::napi_status;

/// Why a Node-API call failed.
pub enum Fail {
    Status(napi_status),
    /// The message is host-specific (e.g. "not implemented"); the status is generic failure.
    Message(napi_status, String),
    /// JavaScript threw; the value becomes the pending exception.
    Thrown(Value),
}

impl From<Thrown> for Fail {
    fn from(t: Thrown) -> Fail {
        Fail::Thrown(t.0)
    }
}

pub type NapiResult<T = ()> = Result<T, Fail>;

/// An `Option` as a result failing with status `s` when empty. Unlike `ok_or(Fail::Status(s))`
/// it builds no `Fail` when there is a value: that one would be dropped through a call, on
/// every Node-API call's way.
pub trait OrStatus<T> {
    fn or_status(self, s: napi_status) -> NapiResult<T>;
}

impl<T> OrStatus<T> for Option<T> {
    #[inline(always)]
    fn or_status(self, s: napi_status) -> NapiResult<T> {
        match self {
            Some(v) => Ok(v),
            None => Err(Fail::Status(s)),
        }
    }
}

/// `Err(Fail::Status(s))`, for the many argument checks.
pub fn fail<T>(s: napi_status) -> NapiResult<T> {
    Err(Fail::Status(s))
}
