//! `#[napi(object)]` structs (optional fields, nested struct) and `Vec<T>` in and out.

use napi_derive::napi;

#[napi(object)]
#[derive(Clone)]
pub struct Point {
    pub x: f64,
    pub y: f64,
}

#[napi(object)]
#[derive(Clone)]
pub struct Address {
    pub city: String,
    pub zip: String,
}

#[napi(object)]
#[derive(Clone)]
pub struct Person {
    pub name: String,
    pub age: u32,
    pub email: Option<String>,
    pub address: Option<Address>,
    pub tags: Vec<String>,
}

/// `makePoint(x, y) -> {x, y}`.
#[napi]
pub fn make_point(x: f64, y: f64) -> Point {
    Point { x, y }
}

/// `distance(a, b)`: Euclidean distance between two points.
#[napi]
pub fn distance(a: Point, b: Point) -> f64 {
    ((a.x - b.x).powi(2) + (a.y - b.y).powi(2)).sqrt()
}

/// `makePerson(name, age, email?, city?)`: a Person; `address` only when `city` is given.
#[napi]
pub fn make_person(name: String, age: u32, email: Option<String>, city: Option<String>) -> Person {
    Person { name, age, email, address: city.map(|city| Address { city, zip: "00000".to_string() }), tags: vec![] }
}

/// `describePerson(p)`: a one-line description reading every field.
#[napi]
pub fn describe_person(p: Person) -> String {
    let email = p.email.as_deref().unwrap_or("no email");
    let place = match &p.address {
        Some(a) => format!("{} {}", a.zip, a.city),
        None => "nowhere".to_string(),
    };
    format!("{} ({}) <{}> from {} [{}]", p.name, p.age, email, place, p.tags.join(","))
}

/// `birthday(p)`: the same person, one year older, with tag "birthday" appended.
#[napi]
pub fn birthday(p: Person) -> Person {
    let mut p = p;
    p.age += 1;
    p.tags.push("birthday".to_string());
    p
}

/// `sumI32(values)`: sum as i64.
#[napi]
pub fn sum_i32(values: Vec<i32>) -> i64 {
    values.iter().map(|&v| v as i64).sum()
}

/// `rangeU32(n)`: `[0, 1, ..., n-1]`.
#[napi]
pub fn range_u32(n: u32) -> Vec<u32> {
    (0..n).collect()
}

/// `sortStrings(values)`: sorted by UTF-8 bytes.
#[napi]
pub fn sort_strings(values: Vec<String>) -> Vec<String> {
    let mut v = values;
    v.sort();
    v
}

/// `scalePoints(points, k)`: every point multiplied by `k`.
#[napi]
pub fn scale_points(points: Vec<Point>, k: f64) -> Vec<Point> {
    points.into_iter().map(|p| Point { x: p.x * k, y: p.y * k }).collect()
}

/// `splitWords(s)`: whitespace-separated words.
#[napi]
pub fn split_words(s: String) -> Vec<String> {
    s.split_whitespace().map(str::to_string).collect()
}

/// `wordLengths(words) -> {word: length}`: a map result (a `BTreeMap`, so its keys come in one
/// order), whose keys napi-rs sets with `node_api_create_property_key_utf8` when built
/// `versioned` and node reports 20.18 or later.
#[napi]
pub fn word_lengths(words: Vec<String>) -> std::collections::BTreeMap<String, u32> {
    words
        .into_iter()
        .map(|w| {
            let n = w.chars().count() as u32;
            (w, n)
        })
        .collect()
}
