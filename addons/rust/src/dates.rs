//! Dates through napi-rs's `chrono_date` support: a JS `Date` becomes a `DateTime` by calling
//! `Date.prototype.toISOString` on it ("Call toISOString on Date Object failed" when
//! the host's Date lacked it), and a `DateTime` becomes a `Date` again.

use chrono::{DateTime, NaiveDateTime, Utc};
use napi_derive::napi;

/// The date as it came, back as a JS Date.
#[napi]
pub fn date_round_trip(date: DateTime<Utc>) -> DateTime<Utc> {
    date
}

/// The date as chrono reads it: RFC 3339 with milliseconds.
#[napi]
pub fn date_to_rfc3339(date: DateTime<Utc>) -> String {
    date.to_rfc3339_opts(chrono::SecondsFormat::Millis, true)
}

/// A naive (zone-less) date time, back as a JS Date.
#[napi]
pub fn naive_round_trip(date: NaiveDateTime) -> NaiveDateTime {
    date
}
