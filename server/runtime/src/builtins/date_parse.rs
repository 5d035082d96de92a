//! `Date.parse` as V8 parses (its `dateparser`): the ES date-time format first
//! (`YYYY-MM-DDTHH:mm:ss.sssZ` and its shorter forms, `±YYYYYY` years), then V8's legacy
//! heuristics for everything else ("Jan 2 2020 10:00 GMT+0100", "1/2/2020", the output of
//! `toString` and `toUTCString`...). The rules and their order follow V8's
//! `dateparser-inl.h`, so strings parse (or fail) as they do in node.

use super::date_time::{make_date, make_day, make_time, time_clip, utc};

const NONE: i32 = i32::MAX;

#[derive(Clone, Copy, Debug, PartialEq)]
enum Token {
    Number {
        value: i32,
        length: usize,
    },
    Symbol(char),
    /// A word: its keyword kind and value, and its length.
    Word {
        kind: Keyword,
        value: i32,
        length: usize,
    },
    Space,
    Unknown,
    End,
    Invalid,
}

#[derive(Clone, Copy, Debug, PartialEq)]
enum Keyword {
    Month,
    AmPm,
    TimeZone,
    TimeSeparator,
    None,
}

struct Tokenizer {
    chars: Vec<char>,
    pos: usize,
    next: Token,
}

impl Tokenizer {
    fn new(s: &str) -> Tokenizer {
        let mut t = Tokenizer { chars: s.chars().collect(), pos: 0, next: Token::End };
        t.next = t.scan();
        t
    }

    fn ch(&self) -> Option<char> {
        self.chars.get(self.pos).copied()
    }

    fn scan(&mut self) -> Token {
        let Some(c) = self.ch() else { return Token::End };
        if c.is_ascii_digit() {
            let start = self.pos;
            while self.ch() == Some('0') {
                self.pos += 1;
            }
            let mut n: i32 = 0;
            let mut digits = 0;
            while let Some(d) = self.ch().filter(char::is_ascii_digit) {
                if digits < 9 {
                    n = n * 10 + d as i32 - '0' as i32;
                }
                digits += 1;
                self.pos += 1;
            }
            return Token::Number { value: n, length: self.pos - start };
        }
        if matches!(c, ':' | '-' | '+' | '.' | ')') {
            self.pos += 1;
            return Token::Symbol(c);
        }
        if c >= 'A' && !c.is_whitespace() {
            let start = self.pos;
            let mut prefix = [0u32; 3];
            let mut len = 0;
            while let Some(w) = self.ch().filter(|w| *w >= 'A' && !w.is_whitespace()) {
                if len < 3 {
                    prefix[len] = u32::from(w) | 0x20;
                }
                len += 1;
                self.pos += 1;
            }
            let _ = start;
            let (kind, value) = keyword(prefix, len);
            return Token::Word { kind, value, length: len };
        }
        if c.is_whitespace() {
            self.pos += 1;
            return Token::Space;
        }
        if c == '(' {
            let mut balance = 0;
            loop {
                match self.ch() {
                    Some(')') => balance -= 1,
                    Some('(') => balance += 1,
                    _ => {}
                }
                self.pos += 1;
                if balance <= 0 || self.ch().is_none() {
                    break;
                }
            }
            return Token::Unknown;
        }
        self.pos += 1;
        Token::Unknown
    }

    fn next(&mut self) -> Token {
        let t = self.next;
        self.next = self.scan();
        t
    }

    fn peek(&self) -> Token {
        self.next
    }

    fn skip_symbol(&mut self, c: char) -> bool {
        if self.next == Token::Symbol(c) {
            self.next();
            true
        } else {
            false
        }
    }
}

/// V8's keyword table: the first three letters (lower-cased) name a month (a longer word is
/// fine only for months), AM/PM, a zone, or the `T` separator.
fn keyword(prefix: [u32; 3], len: usize) -> (Keyword, i32) {
    let word: String = prefix.iter().take_while(|&&c| c != 0).filter_map(|&c| char::from_u32(c)).collect();
    const MONTHS: [&str; 12] = ["jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec"];
    if let Some(i) = MONTHS.iter().position(|m| *m == word) {
        return (Keyword::Month, i as i32 + 1);
    }
    if len > 3 {
        return (Keyword::None, 0);
    }
    match word.as_str() {
        "am" => (Keyword::AmPm, 0),
        "pm" => (Keyword::AmPm, 12),
        "ut" | "utc" | "z" | "gmt" => (Keyword::TimeZone, 0),
        "cdt" => (Keyword::TimeZone, -5),
        "cst" => (Keyword::TimeZone, -6),
        "edt" => (Keyword::TimeZone, -4),
        "est" => (Keyword::TimeZone, -5),
        "mdt" => (Keyword::TimeZone, -6),
        "mst" => (Keyword::TimeZone, -7),
        "pdt" => (Keyword::TimeZone, -7),
        "pst" => (Keyword::TimeZone, -8),
        "t" => (Keyword::TimeSeparator, 0),
        _ => (Keyword::None, 0),
    }
}

fn is_fixed(t: Token, n: usize) -> bool {
    matches!(t, Token::Number { length, .. } if length == n)
}

fn number(t: Token) -> i32 {
    match t {
        Token::Number { value, .. } => value,
        _ => 0,
    }
}

fn is_z(t: Token) -> bool {
    matches!(t, Token::Word { kind: Keyword::TimeZone, value: 0, length: 1 })
}

fn sign_of(t: Token) -> Option<i32> {
    match t {
        Token::Symbol('+') => Some(1),
        Token::Symbol('-') => Some(-1),
        _ => None,
    }
}

#[derive(Default)]
struct Day {
    comp: Vec<i32>,
    named_month: Option<i32>,
    iso: bool,
}

impl Day {
    fn add(&mut self, n: i32) -> bool {
        if self.comp.len() < 3 {
            self.comp.push(n);
            true
        } else {
            false
        }
    }

    fn write(&mut self) -> Option<(f64, f64, f64)> {
        if self.comp.is_empty() {
            return None;
        }
        while self.comp.len() < 3 {
            self.comp.push(1);
        }
        let is_day = |n: i32| (1..=31).contains(&n);
        let c = &self.comp;
        let (mut year, month, day) = match self.named_month {
            None if self.iso || !is_day(c[0]) => (c[0], c[1], c[2]),
            None => (c[2], c[0], c[1]),
            Some(m) if !is_day(c[0]) => (c[0], m, c[1]),
            Some(m) => (c[1], m, c[0]),
        };
        if !self.iso {
            if (0..=49).contains(&year) {
                year += 2000;
            } else if (50..=99).contains(&year) {
                year += 1900;
            }
        }
        if !(1..=12).contains(&month) || !is_day(day) {
            return None;
        }
        Some((f64::from(year), f64::from(month - 1), f64::from(day)))
    }
}

#[derive(Default)]
struct Time {
    comp: Vec<i32>,
    hour_offset: Option<i32>,
}

impl Time {
    fn add(&mut self, n: i32) -> bool {
        if self.comp.len() < 4 {
            self.comp.push(n);
            true
        } else {
            false
        }
    }

    fn add_final(&mut self, n: i32) -> bool {
        if !self.add(n) {
            return false;
        }
        while self.comp.len() < 4 {
            self.comp.push(0);
        }
        true
    }

    fn is_expecting(&self, n: i32) -> bool {
        match self.comp.len() {
            1 => (0..60).contains(&n),
            2 => (0..60).contains(&n),
            3 => (0..1000).contains(&n),
            _ => false,
        }
    }

    fn write(&mut self) -> Option<(f64, f64, f64, f64)> {
        while self.comp.len() < 4 {
            self.comp.push(0);
        }
        let (mut h, m, s, ms) = (self.comp[0], self.comp[1], self.comp[2], self.comp[3]);
        if let Some(offset) = self.hour_offset {
            if !(0..=12).contains(&h) {
                return None;
            }
            h = h % 12 + offset;
        }
        let ok = (0..24).contains(&h) && (0..60).contains(&m) && (0..60).contains(&s) && (0..1000).contains(&ms);
        if !(ok || h == 24 && m == 0 && s == 0 && ms == 0) {
            return None;
        }
        Some((f64::from(h), f64::from(m), f64::from(s), f64::from(ms)))
    }
}

#[derive(Default)]
struct Zone {
    sign: Option<i32>,
    hour: Option<i32>,
    minute: Option<i32>,
}

impl Zone {
    fn set(&mut self, offset_hours: i32) {
        self.sign = Some(if offset_hours < 0 { -1 } else { 1 });
        self.hour = Some(offset_hours.abs());
        self.minute = Some(0);
    }

    fn is_utc(&self) -> bool {
        self.hour == Some(0) && self.minute == Some(0)
    }

    fn is_expecting(&self, n: i32) -> bool {
        self.hour.is_some() && self.minute.is_none() && (0..60).contains(&n)
    }

    fn is_empty(&self) -> bool {
        self.sign.is_none()
    }

    /// Seconds east of UTC, or `None` for local time.
    fn write(&self) -> Option<f64> {
        let sign = self.sign?;
        let total = self.hour.unwrap_or(0) as f64 * 3600.0 + self.minute.filter(|m| *m != NONE).unwrap_or(0) as f64 * 60.0;
        Some(if sign < 0 { -total } else { total })
    }
}

/// The three most significant digits of a fraction's numeral, as milliseconds.
fn read_milliseconds(t: Token) -> i32 {
    let Token::Number { mut value, length } = t else { return 0 };
    match length {
        1 => value *= 100,
        2 => value *= 10,
        3 => {}
        _ => {
            let mut l = length.min(9);
            while l > 3 {
                value /= 10;
                l -= 1;
            }
        }
    }
    value
}

/// `ParseES5DateTime`: the ES format; answers the first token it did not handle (End when the
/// whole string was ES format), or Invalid.
fn parse_es5(t: &mut Tokenizer, day: &mut Day, time: &mut Time, tz: &mut Zone) -> Token {
    if let Some(sign) = sign_of(t.peek()) {
        let sign_token = t.next();
        if !is_fixed(t.peek(), 6) {
            return sign_token;
        }
        let year = number(t.next());
        if sign < 0 && year == 0 {
            return sign_token;
        }
        day.add(sign * year);
    } else if is_fixed(t.peek(), 4) {
        day.add(number(t.next()));
    } else {
        return t.next();
    }
    if t.skip_symbol('-') {
        if !is_fixed(t.peek(), 2) || !(1..=12).contains(&number(t.peek())) {
            return t.next();
        }
        day.add(number(t.next()));
        if t.skip_symbol('-') {
            if !is_fixed(t.peek(), 2) || !(1..=31).contains(&number(t.peek())) {
                return t.next();
            }
            day.add(number(t.next()));
        }
    }
    if !matches!(t.peek(), Token::Word { kind: Keyword::TimeSeparator, .. }) {
        if t.peek() != Token::End {
            return t.next();
        }
    } else {
        t.next();
        if !is_fixed(t.peek(), 2) || !(0..=24).contains(&number(t.peek())) {
            return Token::Invalid;
        }
        let hour_is_24 = number(t.peek()) == 24;
        time.add(number(t.next()));
        if !t.skip_symbol(':') {
            return Token::Invalid;
        }
        if !is_fixed(t.peek(), 2) || !(0..60).contains(&number(t.peek())) || (hour_is_24 && number(t.peek()) > 0) {
            return Token::Invalid;
        }
        time.add(number(t.next()));
        if t.skip_symbol(':') {
            if !is_fixed(t.peek(), 2) || !(0..60).contains(&number(t.peek())) || (hour_is_24 && number(t.peek()) > 0) {
                return Token::Invalid;
            }
            time.add(number(t.next()));
            if t.skip_symbol('.') {
                if !matches!(t.peek(), Token::Number { .. }) || (hour_is_24 && number(t.peek()) > 0) {
                    return Token::Invalid;
                }
                time.add(read_milliseconds(t.next()));
            }
        }
        if is_z(t.peek()) {
            t.next();
            tz.set(0);
        } else if let Some(sign) = sign_of(t.peek()) {
            t.next();
            tz.sign = Some(sign);
            if is_fixed(t.peek(), 4) {
                let hm = number(t.next());
                let (h, m) = (hm / 100, hm % 100);
                if !(0..24).contains(&h) || !(0..60).contains(&m) {
                    return Token::Invalid;
                }
                tz.hour = Some(h);
                tz.minute = Some(m);
            } else {
                if !is_fixed(t.peek(), 2) || !(0..24).contains(&number(t.peek())) {
                    return Token::Invalid;
                }
                tz.hour = Some(number(t.next()));
                if !t.skip_symbol(':') {
                    return Token::Invalid;
                }
                if !is_fixed(t.peek(), 2) || !(0..60).contains(&number(t.peek())) {
                    return Token::Invalid;
                }
                tz.minute = Some(number(t.next()));
            }
        }
        if t.peek() != Token::End {
            return Token::Invalid;
        }
    }
    // Date-only forms are UTC, date-time forms without an offset local time.
    if tz.is_empty() && time.comp.is_empty() {
        tz.set(0);
    }
    day.iso = true;
    Token::End
}

/// The time value `s` denotes, or NaN.
pub fn parse(s: &str) -> f64 {
    let mut t = Tokenizer::new(s);
    let (mut day, mut time, mut tz) = (Day::default(), Time::default(), Zone::default());
    let mut token = parse_es5(&mut t, &mut day, &mut time, &mut tz);
    if token == Token::Invalid {
        return f64::NAN;
    }
    let mut has_read_number = !day.comp.is_empty();
    while token != Token::End {
        match token {
            Token::Number { value: n, .. } => {
                has_read_number = true;
                if t.skip_symbol(':') {
                    if t.skip_symbol(':') {
                        if !time.comp.is_empty() {
                            return f64::NAN;
                        }
                        time.add(n);
                        time.add(0);
                    } else {
                        if !time.add(n) {
                            return f64::NAN;
                        }
                        if t.peek() == Token::Symbol('.') {
                            t.next();
                        }
                    }
                } else if t.peek() == Token::Symbol('.') && time.is_expecting(n) {
                    t.next();
                    time.add(n);
                    if !matches!(t.peek(), Token::Number { .. }) {
                        return f64::NAN;
                    }
                    let ms = read_milliseconds(t.next());
                    if !time.add_final(ms) {
                        return f64::NAN;
                    }
                } else if tz.is_expecting(n) {
                    tz.minute = Some(n);
                } else if time.is_expecting(n) {
                    time.add_final(n);
                    let p = t.peek();
                    if !matches!(p, Token::End | Token::Space) && !is_z(p) && sign_of(p).is_none() {
                        return f64::NAN;
                    }
                } else {
                    if !day.add(n) {
                        return f64::NAN;
                    }
                    t.skip_symbol('-');
                }
            }
            Token::Word { kind, value, .. } => {
                if kind == Keyword::AmPm && !time.comp.is_empty() {
                    time.hour_offset = Some(value);
                } else if kind == Keyword::Month {
                    day.named_month = Some(value);
                    t.skip_symbol('-');
                } else if kind == Keyword::TimeZone && has_read_number {
                    tz.set(value);
                } else {
                    if has_read_number {
                        return f64::NAN;
                    }
                    if matches!(t.peek(), Token::Number { .. }) {
                        return f64::NAN;
                    }
                }
            }
            Token::Symbol(c) if sign_of(token).is_some() && (tz.is_utc() || !time.comp.is_empty()) => {
                tz.sign = Some(if c == '+' { 1 } else { -1 });
                let (mut n, mut length) = (0, 0);
                if let Token::Number { value, length: l } = t.peek() {
                    t.next();
                    n = value;
                    length = l;
                }
                has_read_number = true;
                if t.peek() == Token::Symbol(':') {
                    tz.hour = Some(n);
                    tz.minute = None;
                } else if length == 1 || length == 2 {
                    tz.hour = Some(n);
                    tz.minute = Some(0);
                } else if length == 3 || length == 4 {
                    tz.hour = Some(n / 100);
                    tz.minute = Some(n % 100);
                } else {
                    return f64::NAN;
                }
            }
            Token::Symbol('+' | '-' | ')') if has_read_number => return f64::NAN,
            _ => {}
        }
        token = t.next();
    }
    let Some((year, month, date)) = day.write() else { return f64::NAN };
    let Some((h, m, sec, ms)) = time.write() else { return f64::NAN };
    let tv = make_date(make_day(year, month, date), make_time(h, m, sec, ms));
    match tz.write() {
        None => {
            if tv.abs() > 8.64e15 + 864_000_000.0 {
                return f64::NAN;
            }
            time_clip(utc(tv))
        }
        Some(offset) => {
            let t = tv - offset * 1000.0;
            if t.abs() > 8.64e15 {
                return f64::NAN;
            }
            time_clip(t)
        }
    }
}
