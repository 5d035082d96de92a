//! Time values as ECMA-262 21.4.1 computes with them: days, years, months and times of day of a
//! millisecond count since the epoch, `MakeDay`/`MakeTime`/`MakeDate`/`TimeClip`, and local time
//! through the system time zone (`TZ`, else `/etc/localtime`, read by `jiff` from the tz
//! database) as V8 reads it through ICU.

use std::sync::OnceLock;

pub const MS_PER_DAY: f64 = 86_400_000.0;

pub fn day(t: f64) -> f64 {
    (t / MS_PER_DAY).floor()
}

pub fn time_within_day(t: f64) -> f64 {
    t.rem_euclid(MS_PER_DAY) + 0.0
}

fn days_in_year(y: f64) -> f64 {
    if y % 4.0 != 0.0 || (y % 100.0 == 0.0 && y % 400.0 != 0.0) {
        365.0
    } else {
        366.0
    }
}

fn day_from_year(y: f64) -> f64 {
    365.0 * (y - 1970.0) + ((y - 1969.0) / 4.0).floor() - ((y - 1901.0) / 100.0).floor() + ((y - 1601.0) / 400.0).floor()
}

pub fn year_from_time(t: f64) -> f64 {
    let d = day(t);
    let mut y = (d / 365.2425).floor() + 1970.0;
    while day_from_year(y) > d {
        y -= 1.0;
    }
    while day_from_year(y + 1.0) <= d {
        y += 1.0;
    }
    y
}

fn in_leap_year(t: f64) -> bool {
    days_in_year(year_from_time(t)) == 366.0
}

fn day_within_year(t: f64) -> f64 {
    day(t) - day_from_year(year_from_time(t))
}

/// The first day (within the year) of each month, for a common and a leap year.
fn month_starts(leap: bool) -> [f64; 13] {
    let l = if leap { 1.0 } else { 0.0 };
    [0.0, 31.0, 59.0 + l, 90.0 + l, 120.0 + l, 151.0 + l, 181.0 + l, 212.0 + l, 243.0 + l, 273.0 + l, 304.0 + l, 334.0 + l, 365.0 + l]
}

pub fn month_from_time(t: f64) -> f64 {
    let d = day_within_year(t);
    let starts = month_starts(in_leap_year(t));
    (0..12).find(|&m| d < starts[m + 1]).unwrap_or(11) as f64
}

pub fn date_from_time(t: f64) -> f64 {
    let m = month_from_time(t) as usize;
    day_within_year(t) - month_starts(in_leap_year(t))[m] + 1.0
}

pub fn week_day(t: f64) -> f64 {
    (day(t) + 4.0).rem_euclid(7.0) + 0.0
}

pub fn hour_from_time(t: f64) -> f64 {
    (t / 3_600_000.0).floor().rem_euclid(24.0) + 0.0
}

pub fn min_from_time(t: f64) -> f64 {
    (t / 60_000.0).floor().rem_euclid(60.0) + 0.0
}

pub fn sec_from_time(t: f64) -> f64 {
    (t / 1000.0).floor().rem_euclid(60.0) + 0.0
}

pub fn ms_from_time(t: f64) -> f64 {
    t.rem_euclid(1000.0) + 0.0
}

/// `ToIntegerOrInfinity` for the Make* operations.
fn int(x: f64) -> f64 {
    if x.is_nan() {
        0.0
    } else {
        x.trunc()
    }
}

pub fn make_time(h: f64, m: f64, s: f64, ms: f64) -> f64 {
    if !(h.is_finite() && m.is_finite() && s.is_finite() && ms.is_finite()) {
        return f64::NAN;
    }
    int(h) * 3_600_000.0 + int(m) * 60_000.0 + int(s) * 1000.0 + int(ms)
}

pub fn make_day(year: f64, month: f64, date: f64) -> f64 {
    if !(year.is_finite() && month.is_finite() && date.is_finite()) {
        return f64::NAN;
    }
    let (y, m, dt) = (int(year), int(month), int(date));
    let ym = y + (m / 12.0).floor();
    if ym.abs() > 400_000.0 {
        return f64::NAN;
    }
    let mn = m.rem_euclid(12.0);
    let leap = days_in_year(ym) == 366.0;
    let t = day_from_year(ym) + month_starts(leap)[mn as usize];
    t + dt - 1.0
}

pub fn make_date(day: f64, time: f64) -> f64 {
    if !(day.is_finite() && time.is_finite()) {
        return f64::NAN;
    }
    let tv = mul_add_as_v8(day, MS_PER_DAY, time);
    if !tv.is_finite() {
        return f64::NAN;
    }
    tv
}

/// `a * b + c` as V8's C++ computes it on this CPU. It is compiled with floating-point
/// contraction, so on arm64, whose base instruction set has a fused multiply-add, the product is
/// not rounded before the sum; x86-64's baseline has none, so there it is. (Node for arm64 and
/// for x86-64 answer `Date.UTC(1970, 0, 213503982336, 0, 0, 0, -(2 ** 64))` 1,024 ms apart.)
#[inline]
fn mul_add_as_v8(a: f64, b: f64, c: f64) -> f64 {
    if cfg!(target_arch = "aarch64") {
        a.mul_add(b, c)
    } else {
        a * b + c
    }
}

pub fn time_clip(t: f64) -> f64 {
    if !t.is_finite() || t.abs() > 8.64e15 {
        return f64::NAN;
    }
    int(t) + 0.0
}

fn system_zone() -> &'static jiff::tz::TimeZone {
    static ZONE: OnceLock<jiff::tz::TimeZone> = OnceLock::new();
    ZONE.get_or_init(|| jiff::tz::TimeZone::try_system().unwrap_or(jiff::tz::TimeZone::UTC))
}

/// jiff's timestamps cover years -9999..9999; times beyond use the offset at that edge.
fn clamp_ms(t: f64) -> i64 {
    t.clamp(-377_705_116_800_000.0, 253_402_300_799_000.0) as i64
}

/// The offset of local time from UTC at UTC time `t`, in milliseconds.
pub fn offset_at(t: f64) -> f64 {
    let Ok(ts) = jiff::Timestamp::from_millisecond(clamp_ms(t)) else { return 0.0 };
    f64::from(system_zone().to_offset(ts).seconds()) * 1000.0
}

/// Whether daylight saving time is in effect at UTC time `t`.
pub fn is_dst_at(t: f64) -> bool {
    let Ok(ts) = jiff::Timestamp::from_millisecond(clamp_ms(t)) else { return false };
    system_zone().to_offset_info(ts).dst().is_dst()
}

/// `LocalTime(t)`.
pub fn local_time(t: f64) -> f64 {
    t + offset_at(t)
}

/// `UTC(t)`: the UTC time of local time `t`; a time in a gap or a fold resolves as V8 does, with
/// the offset before the transition ("compatible" disambiguation).
pub fn utc(t: f64) -> f64 {
    if !t.is_finite() {
        return f64::NAN;
    }
    let tl = t.clamp(-377_705_116_800_000.0, 253_402_300_799_000.0);
    let civil = jiff::civil::DateTime::new(
        year_from_time(tl) as i16,
        month_from_time(tl) as i8 + 1,
        date_from_time(tl) as i8,
        hour_from_time(tl) as i8,
        min_from_time(tl) as i8,
        sec_from_time(tl) as i8,
        0,
    );
    let offset = match civil.map(|c| system_zone().to_ambiguous_timestamp(c).compatible()) {
        Ok(Ok(ts)) => {
            let local_seconds = (tl / 1000.0).floor();
            local_seconds * 1000.0 - ts.as_millisecond() as f64
        }
        _ => 0.0,
    };
    t - offset
}

/// The zone's name as V8 (through ICU) writes it in `Date.prototype.toString`: the long name of
/// the common zones, else ICU's fallback `GMT+hh:mm`.
pub fn zone_name(t: f64) -> String {
    let zone = system_zone();
    let offset = offset_at(t);
    let dst = is_dst_at(t);
    let iana = zone.iana_name().unwrap_or("");
    let named = |standard: &str, summer: &str| Some(if dst { summer } else { standard }.to_string());
    let name = match iana {
        "UTC" | "Etc/UTC" | "Etc/UCT" | "Etc/Universal" | "Etc/Zulu" | "Universal" | "Zulu" | "Etc/GMT" | "GMT" => {
            Some(if iana.contains("GMT") { "Greenwich Mean Time" } else { "Coordinated Universal Time" }.to_string())
        }
        "Europe/London" | "Europe/Dublin" => {
            named("Greenwich Mean Time", if iana == "Europe/London" { "British Summer Time" } else { "Irish Standard Time" })
        }
        "America/New_York" | "America/Detroit" | "America/Toronto" => named("Eastern Standard Time", "Eastern Daylight Time"),
        "America/Chicago" | "America/Winnipeg" => named("Central Standard Time", "Central Daylight Time"),
        "America/Denver" | "America/Edmonton" => named("Mountain Standard Time", "Mountain Daylight Time"),
        "America/Phoenix" => Some("Mountain Standard Time".into()),
        "America/Los_Angeles" | "America/Vancouver" => named("Pacific Standard Time", "Pacific Daylight Time"),
        "Asia/Tokyo" => Some("Japan Standard Time".into()),
        "Asia/Shanghai" | "Asia/Hong_Kong" => {
            Some(if iana == "Asia/Shanghai" { "China Standard Time" } else { "Hong Kong Standard Time" }.into())
        }
        "Asia/Kolkata" | "Asia/Calcutta" => Some("India Standard Time".into()),
        "Australia/Sydney" | "Australia/Melbourne" => named("Australian Eastern Standard Time", "Australian Eastern Daylight Time"),
        z if z.starts_with("Europe/")
            && (offset == 3_600_000.0 || offset == 7_200_000.0)
            && !matches!(
                z,
                "Europe/Kaliningrad"
                    | "Europe/Helsinki"
                    | "Europe/Athens"
                    | "Europe/Kiev"
                    | "Europe/Kyiv"
                    | "Europe/Bucharest"
                    | "Europe/Sofia"
                    | "Europe/Riga"
                    | "Europe/Tallinn"
                    | "Europe/Vilnius"
            ) =>
        {
            named("Central European Standard Time", "Central European Summer Time")
        }
        z if z.starts_with("Europe/") && (offset == 7_200_000.0 || offset == 10_800_000.0) => {
            named("Eastern European Standard Time", "Eastern European Summer Time")
        }
        _ => None,
    };
    name.unwrap_or_else(|| {
        let minutes = (offset / 60_000.0) as i64;
        let sign = if minutes < 0 { '-' } else { '+' };
        format!("GMT{sign}{:02}:{:02}", minutes.abs() / 60, minutes.abs() % 60)
    })
}
