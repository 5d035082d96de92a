//! `Date`: the constructor, `Date.now`/`parse`/`UTC`, every getter and setter (local and UTC),
//! and the string forms in V8's formats (`toString`, `toISOString`, `toUTCString`, the
//! `toLocale*String` of node's default en-US locale). The arithmetic is in `date_time`, the
//! parser in `date_parse`.

use super::super::object::ObjectClass;
use super::super::object_id::ObjectId;
use super::super::property::{Property, PropertyKey};
use super::super::realm::{Builder, Realm};
use super::super::value::Value;
use super::super::{JsResult, Runtime};
use super::coerce::{adopt_prototype, arg, class_of};
use super::date_time::*;

const DAYS: [&str; 7] = ["Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"];
const MONTHS: [&str; 12] = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"];

pub fn install(b: &mut Builder, realm: &Realm) {
    let p = realm.date_prototype;
    let date = b.constructor(realm.global, "Date", 7, date_ctor, p);
    b.method(date, "now", 0, now);
    b.method(date, "parse", 1, parse);
    b.method(date, "UTC", 7, date_utc);
    macro_rules! methods {
        ($($name:literal => ($len:expr, $f:expr)),* $(,)?) => { $(b.method(p, $name, $len, $f);)* };
    }
    methods! {
        "getDate" => (0, get_date), "getDay" => (0, get_day), "getFullYear" => (0, get_full_year),
        "getHours" => (0, get_hours), "getMilliseconds" => (0, get_milliseconds), "getMinutes" => (0, get_minutes),
        "getMonth" => (0, get_month), "getSeconds" => (0, get_seconds), "getTime" => (0, get_time),
        "getTimezoneOffset" => (0, get_timezone_offset), "getUTCDate" => (0, get_utc_date), "getUTCDay" => (0, get_utc_day),
        "getUTCFullYear" => (0, get_utc_full_year), "getUTCHours" => (0, get_utc_hours),
        "getUTCMilliseconds" => (0, get_utc_milliseconds), "getUTCMinutes" => (0, get_utc_minutes),
        "getUTCMonth" => (0, get_utc_month), "getUTCSeconds" => (0, get_utc_seconds), "getYear" => (0, get_year),
        "setDate" => (1, set_date), "setFullYear" => (3, set_full_year), "setHours" => (4, set_hours),
        "setMilliseconds" => (1, set_milliseconds), "setMinutes" => (3, set_minutes), "setMonth" => (2, set_month),
        "setSeconds" => (2, set_seconds), "setTime" => (1, set_time), "setUTCDate" => (1, set_utc_date),
        "setUTCFullYear" => (3, set_utc_full_year), "setUTCHours" => (4, set_utc_hours),
        "setUTCMilliseconds" => (1, set_utc_milliseconds), "setUTCMinutes" => (3, set_utc_minutes),
        "setUTCMonth" => (2, set_utc_month), "setUTCSeconds" => (2, set_utc_seconds), "setYear" => (1, set_year),
        "toDateString" => (0, to_date_string), "toISOString" => (0, to_iso_string), "toJSON" => (1, to_json),
        "toLocaleDateString" => (0, to_locale_date_string), "toLocaleString" => (0, to_locale_string),
        "toLocaleTimeString" => (0, to_locale_time_string), "toString" => (0, to_string),
        "toTimeString" => (0, to_time_string), "valueOf" => (0, value_of),
    }
    // toGMTString is the very toUTCString function (Annex B).
    let utc_string = b.method(p, "toUTCString", 0, to_utc_string);
    b.value(p, "toGMTString", Value::Object(utc_string));
    let to_primitive = b.function("[Symbol.toPrimitive]", 1, symbol_to_primitive);
    let fixed = Property { writable: false, ..Property::hidden(Value::Object(to_primitive)) };
    b.heap.put(p, PropertyKey::Symbol(realm.symbol_to_primitive), fixed);
}

fn now_ms() -> f64 {
    std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map_or(0.0, |d| d.as_millis() as f64)
}

/// Year, month and the rest from arguments as `new Date(y, m, ...)` and `Date.UTC` take them
/// (a two-digit year means 19xx).
fn from_components(rt: &Runtime, args: &[Value]) -> JsResult<f64> {
    let mut n = [f64::NAN, 0.0, 1.0, 0.0, 0.0, 0.0, 0.0];
    for (i, a) in args.iter().take(7).enumerate() {
        n[i] = rt.to_number(a)?;
    }
    if args.len() < 2 {
        n[1] = if args.len() == 1 { 0.0 } else { f64::NAN };
    }
    let mut year = n[0];
    if !year.is_nan() {
        let y = year.trunc();
        if (0.0..=99.0).contains(&y) {
            year = 1900.0 + y;
        }
    }
    Ok(make_date(make_day(year, n[1], n[2]), make_time(n[3], n[4], n[5], n[6])))
}

fn date_ctor(rt: &Runtime, _: Value, args: &[Value], nt: Option<ObjectId>) -> JsResult<Value> {
    let Some(nt) = nt else {
        let t = now_ms();
        return Ok(Value::String(format_to_string(t).into()));
    };
    let t = match args {
        [] => now_ms(),
        [v] => {
            let tv = match class_of(rt, v) {
                Some(ObjectClass::Date(t)) => t,
                _ => match rt.to_primitive(v, None)? {
                    Value::String(s) => super::date_parse::parse(&s.to_rust_string()),
                    other => rt.to_number(&other)?,
                },
            };
            time_clip(tv)
        }
        _ => time_clip(utc(from_components(rt, args)?)),
    };
    let id = rt.new_date(t);
    adopt_prototype(rt, id, nt)?;
    Ok(Value::Object(id))
}

fn now(_: &Runtime, _: Value, _: &[Value], _: Option<ObjectId>) -> JsResult<Value> {
    Ok(Value::Number(now_ms()))
}

fn parse(rt: &Runtime, _: Value, args: &[Value], _: Option<ObjectId>) -> JsResult<Value> {
    let s = rt.to_string(&arg(args, 0))?.to_rust_string();
    Ok(Value::Number(super::date_parse::parse(&s)))
}

fn date_utc(rt: &Runtime, _: Value, args: &[Value], _: Option<ObjectId>) -> JsResult<Value> {
    Ok(Value::Number(time_clip(from_components(rt, args)?)))
}

/// The time value of `this`, or V8's TypeError.
fn this_time(rt: &Runtime, this: &Value) -> JsResult<f64> {
    match class_of(rt, this) {
        Some(ObjectClass::Date(t)) => Ok(t),
        _ => Err(rt.type_error("this is not a Date object.".into())),
    }
}

fn set_this_time(rt: &Runtime, this: &Value, t: f64) -> Value {
    let t = time_clip(t);
    if let Value::Object(id) = this {
        if let Some(o) = rt.heap.borrow_mut().get_mut(*id) {
            o.class = ObjectClass::Date(t);
        }
    }
    Value::Number(t)
}

/// A getter of one field, local (`local`) or UTC.
fn field(rt: &Runtime, this: &Value, local: bool, f: fn(f64) -> f64) -> JsResult<Value> {
    let t = this_time(rt, this)?;
    if t.is_nan() {
        return Ok(Value::Number(f64::NAN));
    }
    Ok(Value::Number(f(if local { local_time(t) } else { t })))
}

macro_rules! getters {
    ($($name:ident => ($local:expr, $f:expr)),* $(,)?) => {
        $(fn $name(rt: &Runtime, this: Value, _: &[Value], _: Option<ObjectId>) -> JsResult<Value> {
            field(rt, &this, $local, $f)
        })*
    };
}

getters! {
    get_date => (true, date_from_time), get_day => (true, week_day), get_full_year => (true, year_from_time),
    get_hours => (true, hour_from_time), get_milliseconds => (true, ms_from_time), get_minutes => (true, min_from_time),
    get_month => (true, month_from_time), get_seconds => (true, sec_from_time),
    get_utc_date => (false, date_from_time), get_utc_day => (false, week_day), get_utc_full_year => (false, year_from_time),
    get_utc_hours => (false, hour_from_time), get_utc_milliseconds => (false, ms_from_time),
    get_utc_minutes => (false, min_from_time), get_utc_month => (false, month_from_time), get_utc_seconds => (false, sec_from_time),
    get_year => (true, |t| year_from_time(t) - 1900.0),
}

fn get_time(rt: &Runtime, this: Value, _: &[Value], _: Option<ObjectId>) -> JsResult<Value> {
    this_time(rt, &this).map(Value::Number)
}

fn value_of(rt: &Runtime, this: Value, _: &[Value], _: Option<ObjectId>) -> JsResult<Value> {
    this_time(rt, &this).map(Value::Number)
}

fn get_timezone_offset(rt: &Runtime, this: Value, _: &[Value], _: Option<ObjectId>) -> JsResult<Value> {
    let t = this_time(rt, &this)?;
    if t.is_nan() {
        return Ok(Value::Number(f64::NAN));
    }
    Ok(Value::Number((t - local_time(t)) / 60_000.0))
}

/// The parts of a time value a setter may replace.
#[derive(Clone, Copy)]
enum Part {
    Year,
    Month,
    Date,
    Hours,
    Minutes,
    Seconds,
    Ms,
}

/// A setter: replaces `first` and the parts after it (up to `count` of them) with the
/// arguments, in local time or UTC. An invalid date stays invalid, except that setting the year
/// starts from +0.
fn set_parts(rt: &Runtime, this: &Value, args: &[Value], first: Part, count: usize, local: bool) -> JsResult<Value> {
    let t = this_time(rt, this)?;
    let mut values = Vec::new();
    for i in 0..count.max(1) {
        if i == 0 || i < args.len() {
            values.push(rt.to_number(&arg(args, i))?);
        }
    }
    let base = if t.is_nan() {
        if matches!(first, Part::Year) {
            0.0
        } else {
            return Ok(Value::Number(f64::NAN));
        }
    } else if local {
        local_time(t)
    } else {
        t
    };
    let mut parts = [
        year_from_time(base),
        month_from_time(base),
        date_from_time(base),
        hour_from_time(base),
        min_from_time(base),
        sec_from_time(base),
        ms_from_time(base),
    ];
    for (i, v) in values.into_iter().enumerate() {
        parts[first as usize + i] = v;
    }
    let date = make_date(make_day(parts[0], parts[1], parts[2]), make_time(parts[3], parts[4], parts[5], parts[6]));
    Ok(set_this_time(rt, this, if local { utc(date) } else { date }))
}

macro_rules! setters {
    ($($name:ident => ($part:expr, $count:expr, $local:expr)),* $(,)?) => {
        $(fn $name(rt: &Runtime, this: Value, args: &[Value], _: Option<ObjectId>) -> JsResult<Value> {
            set_parts(rt, &this, args, $part, $count, $local)
        })*
    };
}

setters! {
    set_date => (Part::Date, 1, true), set_full_year => (Part::Year, 3, true), set_hours => (Part::Hours, 4, true),
    set_milliseconds => (Part::Ms, 1, true), set_minutes => (Part::Minutes, 3, true), set_month => (Part::Month, 2, true),
    set_seconds => (Part::Seconds, 2, true), set_utc_date => (Part::Date, 1, false), set_utc_full_year => (Part::Year, 3, false),
    set_utc_hours => (Part::Hours, 4, false), set_utc_milliseconds => (Part::Ms, 1, false),
    set_utc_minutes => (Part::Minutes, 3, false), set_utc_month => (Part::Month, 2, false), set_utc_seconds => (Part::Seconds, 2, false),
}

fn set_time(rt: &Runtime, this: Value, args: &[Value], _: Option<ObjectId>) -> JsResult<Value> {
    this_time(rt, &this)?;
    let t = rt.to_number(&arg(args, 0))?;
    Ok(set_this_time(rt, &this, t))
}

/// `setYear` (Annex B): two-digit years are 19xx.
fn set_year(rt: &Runtime, this: Value, args: &[Value], _: Option<ObjectId>) -> JsResult<Value> {
    let t = this_time(rt, &this)?;
    let y = rt.to_number(&arg(args, 0))?;
    if y.is_nan() {
        return Ok(set_this_time(rt, &this, f64::NAN));
    }
    let yi = y.trunc();
    let year = if (0.0..=99.0).contains(&yi) { 1900.0 + yi } else { y };
    let base = if t.is_nan() { 0.0 } else { local_time(t) };
    let d = make_day(year, month_from_time(base), date_from_time(base));
    Ok(set_this_time(rt, &this, utc(make_date(d, time_within_day(base)))))
}

/// A year as V8 writes it in `toString`: at least four digits, `-` before negatives.
fn year_string(y: f64) -> String {
    if y < 0.0 {
        format!("-{:04}", -y as i64)
    } else {
        format!("{:04}", y as i64)
    }
}

fn date_part(t: f64) -> String {
    format!(
        "{} {} {:02} {}",
        DAYS[week_day(t) as usize],
        MONTHS[month_from_time(t) as usize],
        date_from_time(t) as i64,
        year_string(year_from_time(t))
    )
}

fn time_part(utc_t: f64) -> String {
    let t = local_time(utc_t);
    let offset = ((t - utc_t) / 60_000.0) as i64;
    let sign = if offset < 0 { '-' } else { '+' };
    format!(
        "{:02}:{:02}:{:02} GMT{sign}{:02}{:02} ({})",
        hour_from_time(t) as i64,
        min_from_time(t) as i64,
        sec_from_time(t) as i64,
        offset.abs() / 60,
        offset.abs() % 60,
        zone_name(utc_t)
    )
}

/// `Date.prototype.toString` of a time value: "Thu Jan 01 1970 00:00:00 GMT+0000 (...)".
pub fn format_to_string(t: f64) -> String {
    if t.is_nan() {
        return "Invalid Date".into();
    }
    format!("{} {}", date_part(local_time(t)), time_part(t))
}

fn to_string(rt: &Runtime, this: Value, _: &[Value], _: Option<ObjectId>) -> JsResult<Value> {
    Ok(Value::String(format_to_string(this_time(rt, &this)?).into()))
}

fn to_date_string(rt: &Runtime, this: Value, _: &[Value], _: Option<ObjectId>) -> JsResult<Value> {
    let t = this_time(rt, &this)?;
    Ok(Value::String(if t.is_nan() { "Invalid Date".into() } else { date_part(local_time(t)) }.into()))
}

fn to_time_string(rt: &Runtime, this: Value, _: &[Value], _: Option<ObjectId>) -> JsResult<Value> {
    let t = this_time(rt, &this)?;
    Ok(Value::String(if t.is_nan() { "Invalid Date".into() } else { time_part(t) }.into()))
}

fn to_utc_string(rt: &Runtime, this: Value, _: &[Value], _: Option<ObjectId>) -> JsResult<Value> {
    let t = this_time(rt, &this)?;
    if t.is_nan() {
        return Ok(Value::str("Invalid Date"));
    }
    Ok(Value::String(
        format!(
            "{}, {:02} {} {} {:02}:{:02}:{:02} GMT",
            DAYS[week_day(t) as usize],
            date_from_time(t) as i64,
            MONTHS[month_from_time(t) as usize],
            year_string(year_from_time(t)),
            hour_from_time(t) as i64,
            min_from_time(t) as i64,
            sec_from_time(t) as i64
        )
        .into(),
    ))
}

/// `toISOString` of a valid time value: "1970-01-01T00:00:00.000Z", six-digit signed years
/// outside 0..9999.
pub fn iso_string(t: f64) -> String {
    let y = year_from_time(t) as i64;
    let year = if (0..=9999).contains(&y) {
        format!("{y:04}")
    } else if y < 0 {
        format!("-{:06}", -y)
    } else {
        format!("+{y:06}")
    };
    format!(
        "{year}-{:02}-{:02}T{:02}:{:02}:{:02}.{:03}Z",
        month_from_time(t) as i64 + 1,
        date_from_time(t) as i64,
        hour_from_time(t) as i64,
        min_from_time(t) as i64,
        sec_from_time(t) as i64,
        ms_from_time(t) as i64
    )
}

fn to_iso_string(rt: &Runtime, this: Value, _: &[Value], _: Option<ObjectId>) -> JsResult<Value> {
    let t = this_time(rt, &this)?;
    if t.is_nan() {
        return Err(rt.range_error("Invalid time value".into()));
    }
    Ok(Value::String(iso_string(t).into()))
}

/// `toJSON`: generic; `null` for a non-finite time value, else `this.toISOString()`.
fn to_json(rt: &Runtime, this: Value, _: &[Value], _: Option<ObjectId>) -> JsResult<Value> {
    let o = Value::Object(super::object::require_object(rt, &this)?);
    let tv = rt.to_primitive(&o, Some("number"))?;
    if let Value::Number(n) = tv {
        if !n.is_finite() {
            return Ok(Value::Null);
        }
    }
    let f = rt.get_named(&o, "toISOString")?;
    if !rt.is_callable(&f) {
        return Err(rt.type_error("toISOString is not a function".into()));
    }
    rt.call(&f, o, &[])
}

/// en-US's "1/2/2020" and "3:04:05 PM", as node's default ICU locale formats.
fn locale_date(t: f64) -> String {
    // ICU writes the year of the era: 1 BC (year 0) is "1", 2 BC (year -1) is "2".
    let y = year_from_time(t) as i64;
    let era_year = if y <= 0 { 1 - y } else { y };
    format!("{}/{}/{era_year}", month_from_time(t) as i64 + 1, date_from_time(t) as i64)
}

fn locale_time(t: f64) -> String {
    let h = hour_from_time(t) as i64;
    let h12 = if h % 12 == 0 { 12 } else { h % 12 };
    format!("{h12}:{:02}:{:02} {}", min_from_time(t) as i64, sec_from_time(t) as i64, if h < 12 { "AM" } else { "PM" })
}

fn locale_form(rt: &Runtime, this: &Value, f: impl Fn(f64) -> String) -> JsResult<Value> {
    let t = this_time(rt, this)?;
    Ok(Value::String(if t.is_nan() { "Invalid Date".into() } else { f(local_time(t)) }.into()))
}

fn to_locale_string(rt: &Runtime, this: Value, _: &[Value], _: Option<ObjectId>) -> JsResult<Value> {
    locale_form(rt, &this, |t| format!("{}, {}", locale_date(t), locale_time(t)))
}

fn to_locale_date_string(rt: &Runtime, this: Value, _: &[Value], _: Option<ObjectId>) -> JsResult<Value> {
    locale_form(rt, &this, locale_date)
}

fn to_locale_time_string(rt: &Runtime, this: Value, _: &[Value], _: Option<ObjectId>) -> JsResult<Value> {
    locale_form(rt, &this, locale_time)
}

/// `Date.prototype[Symbol.toPrimitive](hint)`: "default" means "string" for Dates.
fn symbol_to_primitive(rt: &Runtime, this: Value, args: &[Value], _: Option<ObjectId>) -> JsResult<Value> {
    if !matches!(this, Value::Object(_)) {
        return Err(rt.type_error("Date.prototype [ @@toPrimitive ] called on non-object".into()));
    }
    let hint = match arg(args, 0) {
        Value::String(s) => s.to_rust_string(),
        _ => String::new(),
    };
    let order = match hint.as_str() {
        "string" | "default" => ["toString", "valueOf"],
        "number" => ["valueOf", "toString"],
        _ => return Err(rt.type_error("Invalid hint: ".to_string() + &arg(args, 0).to_display(rt))),
    };
    for name in order {
        let f = rt.get_named(&this, name)?;
        if rt.is_callable(&f) {
            let r = rt.call(&f, this.clone(), &[])?;
            if !matches!(r, Value::Object(_)) {
                return Ok(r);
            }
        }
    }
    Err(rt.type_error("Cannot convert object to primitive value".into()))
}
