//! Panics caught where Rust code meets a caller that must not see one unwind (C, at every
//! Node-API function; Python, at every entry point of the client), turned into an error that
//! says what happened.

/// What a caught panic said (its `&str` or `String` payload), for an error that reports it.
pub fn panic_message(payload: &(dyn std::any::Any + Send)) -> String {
    payload.downcast_ref::<&str>().map(|s| s.to_string()).or_else(|| payload.downcast_ref::<String>().cloned()).unwrap_or_default()
}
