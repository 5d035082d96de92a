//! `JSON.parse`: a strict RFC 8259 parser over UTF-16 code units (so positions in messages count
//! what JS counts), with V8's error messages as node 20 prints them, and the reviver.

use super::super::object_id::ObjectId;
use super::super::property::{Descriptor, Property, PropertyKey};
use super::super::string::JsString;
use super::super::value::Value;
use super::super::{JsResult, Runtime, Thrown};
use super::coerce::arg;

/// V8's `kMaxContextCharacters`: how much source an "Unexpected token" message quotes on each
/// side of the token once the source is too long to quote whole.
const CONTEXT: usize = 10;

pub fn parse(rt: &Runtime, _: Value, args: &[Value], _: Option<ObjectId>) -> JsResult<Value> {
    let text = rt.to_string(&arg(args, 0))?.to_utf16();
    let mut parser = Parser { rt, src: &text, pos: 0 };
    let value = parser.value()?;
    parser.skip_whitespace();
    if parser.pos < text.len() {
        // The one positional message without "in JSON".
        return Err(parser.syntax_error(format!("Unexpected non-whitespace character after JSON at position {}", parser.pos)));
    }
    let reviver = arg(args, 1);
    if !rt.is_callable(&reviver) {
        return Ok(value);
    }
    let root = rt.new_plain_object();
    rt.heap.borrow_mut().put(root, PropertyKey::name(""), Property::data(value));
    internalize(rt, root, PropertyKey::name(""), &reviver, 0)
}

struct Parser<'a> {
    rt: &'a Runtime,
    src: &'a [u16],
    pos: usize,
}

/// A container whose closing bracket has not been read yet.
enum Open {
    Array(Vec<Value>),
    /// The object and the key whose value is being read.
    Object(ObjectId, PropertyKey),
}

/// What the text at a value's position starts: a whole value, or a container still open.
enum Start {
    Done(Value),
    Open(Open),
}

impl Parser<'_> {
    fn peek(&self) -> Option<u16> {
        self.src.get(self.pos).copied()
    }

    fn skip_whitespace(&mut self) {
        while matches!(self.peek(), Some(0x20 | 0x09 | 0x0a | 0x0d)) {
            self.pos += 1;
        }
    }

    /// A SyntaxError with one of V8's "... in JSON at position N (line L column C)" messages.
    fn fail(&self, what: &str) -> Thrown {
        let (line, column) = self.line_and_column();
        self.syntax_error(format!("{what} in JSON at position {} (line {line} column {column})", self.pos))
    }

    /// Where `pos` is, counted from 1 as V8 counts: `\n`, `\r` and `\r\n` each end a line.
    fn line_and_column(&self) -> (usize, usize) {
        let (mut line, mut line_start, mut i) = (1, 0, 0);
        let before = &self.src[..self.pos.min(self.src.len())];
        while i < before.len() {
            if before[i] == 0x0d && before.get(i + 1) == Some(&0x0a) {
                i += 1;
            }
            if matches!(before[i], 0x0a | 0x0d) {
                line += 1;
                line_start = i + 1;
            }
            i += 1;
        }
        (line, self.pos - line_start + 1)
    }

    fn syntax_error(&self, message: String) -> Thrown {
        self.rt.error(super::super::convert::ErrorKind::SyntaxError, message)
    }

    /// V8's message for a token nothing expected (`ReportUnexpectedToken` without a specific
    /// message): by the kind of token at the current position.
    fn unexpected(&self) -> Thrown {
        let Some(c) = self.peek() else { return self.syntax_error("Unexpected end of JSON input".into()) };
        if c == u16::from(b'"') {
            return self.fail("Unexpected string");
        }
        if c == u16::from(b'-') || (0x30..=0x39).contains(&c) {
            return self.fail("Unexpected number");
        }
        let source = JsString::from_utf16(self.src).to_rust_string();
        // The inputs people pass by mistake get a message of their own.
        if ["[object Object]", "undefined", "Infinity", "NaN"].contains(&source.as_str()) {
            return self.syntax_error(format!("\"{source}\" is not valid JSON"));
        }
        let token = JsString::from_utf16(&[c]).to_rust_string();
        let slice = |from: usize, to: usize| JsString::from_utf16(&self.src[from..to.min(self.src.len())]).to_rust_string();
        let (len, pos) = (self.src.len(), self.pos);
        let quoted = if len < 2 * CONTEXT + 1 {
            format!("\"{source}\"")
        } else if pos < CONTEXT {
            format!("\"{}\"...", slice(0, pos + CONTEXT))
        } else if pos < len - CONTEXT {
            format!("...\"{}\"...", slice(pos - CONTEXT, pos + CONTEXT))
        } else {
            format!("...\"{}\"", slice(pos - CONTEXT, len))
        };
        self.syntax_error(format!("Unexpected token '{token}', {quoted} is not valid JSON"))
    }

    /// Consumes `c` after whitespace, or fails with `otherwise`.
    fn expect(&mut self, c: u8, otherwise: &str) -> JsResult<()> {
        self.skip_whitespace();
        if self.peek() != Some(u16::from(c)) {
            return Err(self.fail(otherwise));
        }
        self.pos += 1;
        Ok(())
    }

    /// A whole JSON value. Iterative, as V8's parser is: nesting costs heap, not stack, so a
    /// deeply nested text parses as it does under node instead of stopping at a depth.
    fn value(&mut self) -> JsResult<Value> {
        let mut open: Vec<Open> = Vec::new();
        'values: loop {
            let mut done = match self.scalar_or_open()? {
                Start::Done(v) => v,
                Start::Open(container) => {
                    open.push(container);
                    continue;
                }
            };
            // `done` is complete: hand it to the innermost open container, closing containers
            // for as long as their closing bracket follows.
            loop {
                let Some(top) = open.last_mut() else { return Ok(done) };
                self.skip_whitespace();
                match top {
                    Open::Array(items) => {
                        items.push(done);
                        if self.eat(b",") {
                            continue 'values;
                        }
                        self.expect(b']', "Expected ',' or ']' after array element")?;
                    }
                    Open::Object(obj, key) => {
                        // A repeated key keeps its first position and takes the last value, as in V8.
                        self.rt.heap.borrow_mut().put(*obj, key.clone(), Property::data(done));
                        if self.eat(b",") {
                            *key = self.key("Expected double-quoted property name")?;
                            continue 'values;
                        }
                        self.expect(b'}', "Expected ',' or '}' after property value")?;
                    }
                }
                done = match open.pop() {
                    Some(Open::Array(items)) => Value::Object(self.rt.new_array(items)),
                    Some(Open::Object(obj, _)) => Value::Object(obj),
                    None => unreachable!("a container was open above"),
                };
            }
        }
    }

    /// The start of a value: a whole scalar or empty container, or an opened non-empty one.
    fn scalar_or_open(&mut self) -> JsResult<Start> {
        self.skip_whitespace();
        let Some(c) = self.peek() else { return Err(self.unexpected()) };
        let done = match u8::try_from(c).unwrap_or(0) {
            b'"' => Value::String(self.string()?),
            b'-' | b'0'..=b'9' => self.number()?,
            b't' => self.literal("true", Value::Bool(true))?,
            b'f' => self.literal("false", Value::Bool(false))?,
            b'n' => self.literal("null", Value::Null)?,
            b'[' => {
                self.pos += 1;
                self.skip_whitespace();
                if !self.eat(b"]") {
                    return Ok(Start::Open(Open::Array(Vec::new())));
                }
                Value::Object(self.rt.new_array(Vec::new()))
            }
            b'{' => {
                self.pos += 1;
                let obj = self.rt.new_plain_object();
                self.skip_whitespace();
                if !self.eat(b"}") {
                    return Ok(Start::Open(Open::Object(obj, self.key("Expected property name or '}'")?)));
                }
                Value::Object(obj)
            }
            _ => return Err(self.unexpected()),
        };
        Ok(Start::Done(done))
    }

    /// A property name and its colon; `otherwise` is the message when no name is there.
    fn key(&mut self, otherwise: &str) -> JsResult<PropertyKey> {
        self.skip_whitespace();
        if self.peek() != Some(u16::from(b'"')) {
            return Err(self.fail(otherwise));
        }
        let key = PropertyKey::from_string(self.string()?);
        self.expect(b':', "Expected ':' after property name")?;
        Ok(key)
    }

    fn literal(&mut self, word: &str, v: Value) -> JsResult<Value> {
        for b in word.bytes() {
            if self.peek() != Some(u16::from(b)) {
                return Err(self.unexpected());
            }
            self.pos += 1;
        }
        Ok(v)
    }

    fn digits(&mut self) -> usize {
        let start = self.pos;
        while self.peek().is_some_and(|c| (0x30..=0x39).contains(&c)) {
            self.pos += 1;
        }
        self.pos - start
    }

    fn eat(&mut self, chars: &[u8]) -> bool {
        let hit = self.peek().is_some_and(|c| chars.iter().any(|&b| u16::from(b) == c));
        self.pos += usize::from(hit);
        hit
    }

    fn number(&mut self) -> JsResult<Value> {
        let start = self.pos;
        if self.eat(b"-") && !self.peek().is_some_and(|c| (0x30..=0x39).contains(&c)) {
            return Err(self.fail("No number after minus sign"));
        }
        if self.eat(b"0") {
            // A leading zero stands alone: "01" is a number followed by a number.
            if self.peek().is_some_and(|c| (0x30..=0x39).contains(&c)) {
                return Err(self.unexpected());
            }
        } else {
            self.digits();
        }
        if self.eat(b".") && self.digits() == 0 {
            return Err(self.fail("Unterminated fractional number"));
        }
        if self.eat(b"eE") {
            self.eat(b"+-");
            if self.digits() == 0 {
                return Err(self.fail("Exponent part is missing a number"));
            }
        }
        // The slice is ASCII JSON number syntax, which Rust's parser accepts and rounds correctly.
        let text: String = self.src[start..self.pos].iter().map(|&u| u as u8 as char).collect();
        Ok(Value::Number(text.parse().expect("JSON number syntax")))
    }

    /// A string literal, the opening quote next.
    fn string(&mut self) -> JsResult<JsString> {
        self.pos += 1;
        let mut units = Vec::new();
        loop {
            let Some(c) = self.peek() else { return Err(self.fail("Unterminated string")) };
            match c {
                0x22 => {
                    self.pos += 1;
                    return Ok(JsString::from_utf16(&units));
                }
                0x5c => {
                    self.pos += 1;
                    let Some(e) = self.peek() else { return Err(self.unexpected()) };
                    let unit = match u8::try_from(e).unwrap_or(0) {
                        b'"' => 0x22,
                        b'\\' => 0x5c,
                        b'/' => 0x2f,
                        b'b' => 0x08,
                        b'f' => 0x0c,
                        b'n' => 0x0a,
                        b'r' => 0x0d,
                        b't' => 0x09,
                        b'u' => self.unicode_escape()?,
                        _ => return Err(self.fail("Bad escaped character")),
                    };
                    units.push(unit);
                    self.pos += 1;
                }
                c if c < 0x20 => return Err(self.fail("Bad control character in string literal")),
                c => {
                    units.push(c);
                    self.pos += 1;
                }
            }
        }
    }

    /// The four hex digits after `\u` (the `u` current); leaves the last digit current.
    fn unicode_escape(&mut self) -> JsResult<u16> {
        let mut unit = 0u16;
        for _ in 0..4 {
            self.pos += 1;
            let digit = self.peek().and_then(|c| char::from_u32(u32::from(c))).and_then(|c| c.to_digit(16));
            let Some(d) = digit else { return Err(self.fail("Bad Unicode escape")) };
            unit = unit * 16 + d as u16;
        }
        Ok(unit)
    }
}

/// `InternalizeJSONProperty`: revives children first (deleting those the reviver turns into
/// `undefined`), then calls the reviver on `holder[key]` with `holder` as `this`. It recurses,
/// as V8's does, and stops where the host's calls do (the depth cap, or the thread's stack
/// down to its reserve) with V8's RangeError (node stops too: a reviver over a 5,000-deep text
/// overflows its stack).
fn internalize(rt: &Runtime, holder: ObjectId, key: PropertyKey, reviver: &Value, depth: usize) -> JsResult<Value> {
    if rt.out_of_stack(depth) {
        return Err(rt.too_deep());
    }
    let val = rt.get(&Value::Object(holder), &key)?;
    if let Value::Object(obj) = val {
        let keys: Vec<PropertyKey> = if rt.is_array_value(&val)? {
            let len = rt.to_number(&rt.get_named(&val, "length")?)?;
            (0..len as u32).map(PropertyKey::Index).collect()
        } else {
            rt.enumerable_own_keys(obj)?
        };
        for k in keys {
            match internalize(rt, obj, k.clone(), reviver, depth + 1)? {
                Value::Undefined => {
                    rt.delete(obj, &k)?;
                }
                v => {
                    // CreateDataProperty: a refusal (non-configurable property) is ignored.
                    rt.define_own_property(obj, k, Descriptor::data(v))?;
                }
            }
        }
    }
    rt.call(reviver, Value::Object(holder), &[key.to_value(), val])
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testing::{builtin_function, call, json, on_a_host_sized_stack, runtime, thrown};

    fn parse_error(rt: &Runtime, text: &str) -> String {
        thrown(rt, call(rt, "JSON.parse", &[Value::str(text)]))
    }

    #[test]
    fn parses_every_json_value_kind() {
        let rt = runtime();
        let text = r#" {"a":[1,-2.5e3,true,false,null],"b":{"c":"d\u00e9\n\"\/"},"":0,"7":[]} "#;
        let v = call(&rt, "JSON.parse", &[Value::str(text)]).unwrap();
        // node: JSON.stringify(JSON.parse(text))
        assert_eq!(json(&rt, &v), r#"{"7":[],"a":[1,-2500,true,false,null],"b":{"c":"dé\n\"/"},"":0}"#);
        let neg_zero = call(&rt, "JSON.parse", &[Value::str("-1e-400")]).unwrap();
        assert!(matches!(neg_zero, Value::Number(n) if n == 0.0 && n.is_sign_negative()));
        let big = call(&rt, "JSON.parse", &[Value::str("123456789012345678901234567890")]).unwrap();
        assert_eq!(rt.to_string(&big).unwrap().to_rust_string(), "1.2345678901234568e+29");
        // A lone surrogate escape survives as a code unit.
        let lone = call(&rt, "JSON.parse", &[Value::str(r#""\ud800""#)]).unwrap();
        assert!(matches!(&lone, Value::String(s) if s.to_utf16() == [0xd800]));
    }

    #[test]
    fn syntax_errors_match_node_24() {
        // Each expectation is what `node -e 'JSON.parse(text)'` (node 24.21) printed.
        let rt = runtime();
        let cases = [
            (r#"{"a":1,}"#, "Expected double-quoted property name in JSON at position 7 (line 1 column 8)"),
            ("", "Unexpected end of JSON input"),
            ("[1,2", "Expected ',' or ']' after array element in JSON at position 4 (line 1 column 5)"),
            (r#"{"a" 1}"#, "Expected ':' after property name in JSON at position 5 (line 1 column 6)"),
            ("tru", "Unexpected end of JSON input"),
            ("01", "Unexpected number in JSON at position 1 (line 1 column 2)"),
            ("1.", "Unterminated fractional number in JSON at position 2 (line 1 column 3)"),
            ("-", "No number after minus sign in JSON at position 1 (line 1 column 2)"),
            ("\"abc", "Unterminated string in JSON at position 4 (line 1 column 5)"),
            (r#""\x""#, "Bad escaped character in JSON at position 2 (line 1 column 3)"),
            ("\"a\nb\"", "Bad control character in string literal in JSON at position 2 (line 1 column 3)"),
            ("[1]x", "Unexpected non-whitespace character after JSON at position 3"),
            ("{a:1}", "Expected property name or '}' in JSON at position 1 (line 1 column 2)"),
            ("'a'", "Unexpected token ''', \"'a'\" is not valid JSON"),
            ("1.5e+", "Exponent part is missing a number in JSON at position 5 (line 1 column 6)"),
            (r#"{"a":1"#, "Expected ',' or '}' after property value in JSON at position 6 (line 1 column 7)"),
            ("undefined", "\"undefined\" is not valid JSON"),
            ("[1,]", "Unexpected token ']', \"[1,]\" is not valid JSON"),
            (r#""\u12g4""#, "Bad Unicode escape in JSON at position 5 (line 1 column 6)"),
            ("[tru]", "Unexpected token ']', \"[tru]\" is not valid JSON"),
            ("-01", "Unexpected number in JSON at position 2 (line 1 column 3)"),
            ("\"\\", "Unexpected end of JSON input"),
            ("[1,", "Unexpected end of JSON input"),
            ("\u{a0}1", "Unexpected token '\u{a0}', \"\u{a0}1\" is not valid JSON"),
            (r#"{"aaaaaaaaaaaaaaaaaaaaaaa": x}"#, r#"Unexpected token 'x', ..."aaaaaaa": x}" is not valid JSON"#),
            (
                r#"{"aaaa": x, "bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb":1}"#,
                r#"Unexpected token 'x', "{"aaaa": x, "bbbbbb"... is not valid JSON"#,
            ),
            ("[1,2,3,4,5,6,7,8,9,10,11,12,x]", r#"Unexpected token 'x', ...",10,11,12,x]" is not valid JSON"#),
        ];
        for (text, message) in cases {
            assert_eq!(parse_error(&rt, text), format!("SyntaxError: {message}"), "for {text:?}");
        }
    }

    #[test]
    fn surround_context_for_a_token_in_the_middle() {
        // node: JSON.parse('[1,2,3,4,5,6,7,8,x,10,11,12,13,14]')
        let rt = runtime();
        assert_eq!(
            parse_error(&rt, "[1,2,3,4,5,6,7,8,x,10,11,12,13,14]"),
            r#"SyntaxError: Unexpected token 'x', ..."4,5,6,7,8,x,10,11,12"... is not valid JSON"#
        );
    }

    #[test]
    fn reviver_sees_children_first_and_can_delete() {
        // node: JSON.stringify(JSON.parse('{"a":[1,{"b":2}],"c":3}', (k, v) => typeof v === "number" ? v * 10 : v))
        let rt = runtime();
        let reviver = times_ten_reviver(&rt);
        let v = call(&rt, "JSON.parse", &[Value::str(r#"{"a":[1,{"b":2}],"c":3}"#), reviver]).unwrap();
        assert_eq!(json(&rt, &v), r#"{"a":[10,{"b":20}],"c":30}"#);
    }

    /// The reviver `(k, v) => typeof v === "number" ? v * 10 : v === "drop" ? undefined : v`.
    fn times_ten_reviver(rt: &Runtime) -> Value {
        fn times_ten(_: &Runtime, _: Value, args: &[Value], _: Option<ObjectId>) -> JsResult<Value> {
            Ok(match arg(args, 1) {
                Value::Number(n) => Value::Number(n * 10.0),
                Value::String(s) if s.as_str() == Some("drop") => Value::Undefined,
                v => v,
            })
        }
        builtin_function(rt, times_ten)
    }

    #[test]
    fn nesting_costs_heap_not_stack() {
        // node: JSON.parse("[".repeat(100000) + "]".repeat(100000)) parses.
        let rt = runtime();
        let depth = 100_000;
        let text = format!("{}{}", "[".repeat(depth), "]".repeat(depth));
        let mut v = call(&rt, "JSON.parse", &[Value::str(&text)]).unwrap();
        let mut levels = 0;
        while let Value::Object(_) = v {
            levels += 1;
            v = rt.get(&v, &PropertyKey::Index(0)).unwrap();
        }
        assert_eq!(levels, depth);
        let objects = format!("{}1{}", r#"{"a":"#.repeat(depth), "}".repeat(depth));
        assert!(call(&rt, "JSON.parse", &[Value::str(&objects)]).is_ok());
    }

    #[test]
    fn a_reviver_stops_at_the_call_depth() {
        // node: JSON.parse(that text, (k, v) => v) throws the same RangeError.
        on_a_host_sized_stack(|| {
            let rt = runtime();
            let text = format!("{}{}", "[".repeat(100_000), "]".repeat(100_000));
            let reviver = times_ten_reviver(&rt);
            let revived = call(&rt, "JSON.parse", &[Value::str(&text), reviver]);
            assert_eq!(thrown(&rt, revived), "RangeError: Maximum call stack size exceeded");
        });
    }

    #[test]
    fn reviver_returning_undefined_deletes() {
        // node: JSON.stringify(JSON.parse('{"a":"drop","b":["drop",1]}', reviver)) -> {"b":[null,10]}
        //   (a deleted array element leaves a hole, which stringifies as null)
        let rt = runtime();
        let reviver = times_ten_reviver(&rt);
        let v = call(&rt, "JSON.parse", &[Value::str(r#"{"a":"drop","b":["drop",1]}"#), reviver]).unwrap();
        assert_eq!(json(&rt, &v), r#"{"b":[null,10]}"#);
    }
}
