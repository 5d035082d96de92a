//! The operations a request names, by group; `crate::dispatch` routes each to its function.

mod load;
mod promises;
mod properties;
mod values;
