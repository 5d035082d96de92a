//! What a session's requests answer when they have no value.

use std::sync::Arc;

use napi_protocol::{Failure, Outcome, Thrown};

use super::host_value::{release, HostValue};
use crate::link::channel::{Channel, Dead};
use crate::start::StartError;

/// Why a request has no value to answer.
#[derive(Debug)]
pub enum Error {
    /// The host could not be started.
    Start(StartError),
    /// The host can no longer answer: closed, crashed, timed out, or this is a fork.
    Dead(Arc<Dead>),
    /// JavaScript threw. An error object thrown by reference is released: `error` carries its
    /// name, message and code.
    Thrown(Box<Thrown>),
    /// The host could not carry the request out (not a JS exception).
    Failed(Failure),
    /// The program is exiting (the exit gate is closed).
    Exiting,
    /// The host answered in a way this client does not know (a newer protocol's).
    Unknown(&'static str),
}

impl std::fmt::Display for Error {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Error::Start(e) => write!(f, "cannot start a host: {e}"),
            Error::Dead(d) => f.write_str(&d.message),
            Error::Thrown(t) => match &t.error {
                Some(e) => write!(f, "{}: {}", e.name, e.message),
                None => write!(f, "JavaScript threw {:?}", t.value),
            },
            Error::Failed(failure) => f.write_str(&failure.message),
            Error::Exiting => f.write_str("the program is exiting: no more calls into addons"),
            Error::Unknown(what) => f.write_str(what),
        }
    }
}

impl std::error::Error for Error {}

/// A request's outcome as a value that holds what it names, or an error.
pub fn answer(outcome: Outcome, channel: &Arc<Channel>) -> Result<HostValue, Error> {
    match outcome {
        Outcome::Ok(value) => Ok(HostValue::new(value, channel)),
        Outcome::Thrown(thrown) => {
            release(&thrown.value, channel);
            Err(Error::Thrown(thrown))
        }
        Outcome::Failed(failure) => Err(Error::Failed(failure)),
        _ => Err(Error::Unknown("the host sent an outcome this client does not know")),
    }
}
