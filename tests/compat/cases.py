"""What the compatibility report asks of each package: a few calls into its Node-API binding,
each written once for Python and once for node, whose results must be equal.

`call(name, *args)` is the common case: the binding's function `name` with the same arguments
on both sides. `pair(label, js, py)` says it twice where the two languages differ: `js` is a JS
expression over `b` (the binding, `require`d from the same .node file) and `tmp` (a fresh
folder), which may be a promise; `py(b, tmp)` may return an awaitable. Arguments and results
cross as JSON, with bytes as `{"$bytes": hex}` and BigInts as `{"$bigint": digits}`; a thrown
error is `{"$error": [name, message, code]}`.

Calls go to the binding, not to the package's JavaScript (which `require` does not run), so the
non-napi-rs packages are called as their JS glue calls their bindings.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from napi_python import BigInt, JSError, js

PNG_1x1 = bytes.fromhex(
    "89504e470d0a1a0a0000000d4948445200000001000000010806000000"
    "1f15c4890000000d4944415478da63f8cfc0f01f0005000201f7a4dd6f0000000049454e44ae426082"
)
SVG = '<svg xmlns="http://www.w3.org/2000/svg" width="8" height="6"><rect x="1" y="1" width="4" height="3" fill="#c00"/></svg>'


@dataclass
class Check:
    label: str
    js: str
    py: Callable[[Any, str], Any]


@dataclass
class Package:
    name: str
    domain: str
    checks: list[Check] = field(default_factory=list)
    # When node cannot load the package's binary itself: the package whose binding node runs
    # the checks' JS on instead, and why.
    node_reference: tuple[str, str] | None = None
    # When nothing under node can answer: the expected results computed another way, and why.
    expected: tuple[Callable[[], list[Any]], str] | None = None


def _js_arg(v: Any, short: bool = False) -> str:
    """`v` as JS source (`short`: bytes abbreviated, for labels)."""
    if isinstance(v, (bytes, bytearray)):
        return f"<{len(v)} bytes>" if short else f"Buffer.from({json.dumps(bytes(v).hex())}, 'hex')"
    if isinstance(v, BigInt):
        return f"{int(v)}n"
    if v is None:
        return "undefined"
    if v is js.null:
        return "null"
    if isinstance(v, dict):
        return "{" + ", ".join(f"{json.dumps(k)}: {_js_arg(x, short)}" for k, x in v.items()) + "}"
    if isinstance(v, (list, tuple)):
        return "[" + ", ".join(_js_arg(x, short) for x in v) + "]"
    return json.dumps(v)


def call(name: str, *args: Any) -> Check:
    label = f"{name}({', '.join(_js_arg(a, True) for a in args)})"
    return Check(label, f"b.{name}({', '.join(_js_arg(a) for a in args)})", lambda b, tmp: b[name](*args))


def pair(label: str, js_expr: str, py: Callable[[Any, str], Any]) -> Check:
    return Check(label, js_expr, py)


def _bufferutil_mask(b, tmp):
    out = bytearray(8)
    b.mask(b"abcd", b"\x01\x02\x03\x04", out, 2, 4)
    return out


def _bufferutil_unmask(b, tmp):
    data = bytearray(b"hello, websocket")
    b.unmask(data, b"\x0f\xf0\x0f\xf0")
    return data


async def _level_roundtrip(b, tmp):
    db = b.db_init()
    await b.db_open(db, tmp, {"createIfMissing": True, "errorIfExists": False})
    await b.db_put(db, "fruit", "apple", {})
    await b.db_put(db, b"\x00bin", b"\x01\x02", {})
    got = [
        await b.db_get(db, 0, "fruit", None),
        await b.db_get(db, 2, b"\x00bin", None),
        await b.db_has(db, 0, "nope", None),
    ]
    await b.db_close(db)
    return got


LEVEL_JS = """(async () => { const db = b.db_init();
  await b.db_open(db, tmp, {createIfMissing: true, errorIfExists: false});
  await b.db_put(db, 'fruit', 'apple', {}); await b.db_put(db, Buffer.from([0, 98, 105, 110]), Buffer.from([1, 2]), {});
  const got = [await b.db_get(db, 0, 'fruit', undefined), await b.db_get(db, 2, Buffer.from([0, 98, 105, 110]), undefined),
    await b.db_has(db, 0, 'nope', undefined)];
  await b.db_close(db); return got })()"""


JIEBA_DICT = "require('path').join(require.resolve('@node-rs/jieba/package.json', {paths: [%s]}), '../dict.txt')"
JIEBA_JS = (
    "(() => { const j = b.Jieba.withDict(require('fs').readFileSync("
    + JIEBA_DICT % json.dumps(str(Path(__file__).parent))
    + "));"
    " return [j.cut('我们中出了一个叛徒', false), j.cutForSearch('南京市长江大桥', true),"
    " j.tag('我是拖拉机学院手扶拖拉机专业的')] })()"
)


def _jieba(b, tmp):
    j = b.Jieba.withDict((Path(__file__).parent / "node_modules" / "@node-rs" / "jieba" / "dict.txt").read_bytes())
    return [
        j.cut("我们中出了一个叛徒", False),
        j.cutForSearch("南京市长江大桥", True),
        j.tag("我是拖拉机学院手扶拖拉机专业的"),
    ]


SQL_SETUP = "create table t (id integer primary key, name text, data blob); insert into t (name, data) values ('a', x'0102'), ('b', null)"
SQLITE_JS = ""  # node 20 cannot load the binary: see the package's `expected`


def _sqlite(b, tmp):
    """better-sqlite3's lib/database.js, the part that opens a database, done in Python: the
    binding wants factories for errors, arrays, rows and iterator records."""

    class SqliteError(Exception):
        def __init__(self, message, code):
            super().__init__(message)
            self.code = code

    def array_appender(array, *values):
        n = js.get(array, "length")
        for i, v in enumerate(values):
            js.set(array, n + i, v)

    b.initialize(
        SqliteError,
        lambda *v: js.array(b, v),
        array_appender,
        lambda *keys: lambda *values: dict(zip(keys, values, strict=False)),
        lambda value: {"value": value, "done": False},
    )
    db = b.Database(":memory:", ":memory:", True, False, False, 5000, js.null, js.null, js.null, js.null)
    wrapper = js.object(b)
    db.exec(SQL_SETUP)
    as_list = lambda a: [js.get(a, i) for i in range(js.get(a, "length"))]  # noqa: E731
    rows = as_list(db.prepare("select * from t order by id", wrapper, False, False).all())
    count = db.prepare("select count(*) as n from t", wrapper, False, False).get()
    raw = [
        as_list(r) if not isinstance(r, list) else r
        for r in as_list(db.prepare("select id, name from t order by id", wrapper, False, False).raw(True).all())
    ]
    try:
        db.exec("select * from nope")
        error = None
    except SqliteError as e:
        error = ["SqliteError", str(e), e.code]
    db.close()
    return [rows, count, raw, error]


def _sqlite_reference():
    import sqlite3

    con = sqlite3.connect(":memory:")
    con.executescript(SQL_SETUP)
    names = ["id", "name", "data"]
    rows = [dict(zip(names, r, strict=False)) for r in con.execute("select * from t order by id")]
    count = {"n": con.execute("select count(*) from t").fetchone()[0]}
    raw = [list(r) for r in con.execute("select id, name from t order by id")]
    try:
        con.execute("select * from nope")
    except sqlite3.OperationalError as e:
        error = ["SqliteError", str(e), "SQLITE_ERROR"]
    return [rows, count, raw, error]


WATCHER_JS = """(async () => { const fs = require('fs'), path = require('path');
  const dir = path.join(tmp, 'w'); fs.mkdirSync(dir); const snap = path.join(tmp, 'snap');
  await b.writeSnapshot(dir, snap, {}); fs.writeFileSync(path.join(dir, 'a.txt'), 'x');
  const since = (await b.getEventsSince(dir, snap, {})).map(e => [e.type, path.basename(e.path)]);
  const seen = []; let done; const got = new Promise(r => done = r);
  const fn = (err, events) => { for (const e of events) seen.push([e.type, path.basename(e.path)]); done() };
  await b.subscribe(dir, fn, {}); fs.writeFileSync(path.join(dir, 'b.txt'), 'y'); await got;
  await b.unsubscribe(dir, fn, {}); return [since, seen] })()"""


async def _watcher(b, tmp):
    """@parcel/watcher: a snapshot diff, then events delivered from its watcher thread through a
    threadsafe function while this coroutine waits."""
    import asyncio
    import os
    import threading

    d, snap = os.path.join(tmp, "w"), os.path.join(tmp, "snap")
    os.mkdir(d)
    await b.writeSnapshot(d, snap, {})
    Path(d, "a.txt").write_text("x")
    since = [[e["type"], os.path.basename(e["path"])] for e in await b.getEventsSince(d, snap, {})]
    seen, got = [], threading.Event()

    def on_events(err, events):
        seen.extend([e["type"], os.path.basename(e["path"])] for e in events)
        got.set()

    await b.subscribe(d, on_events, {})
    Path(d, "b.txt").write_text("y")
    await asyncio.get_running_loop().run_in_executor(None, got.wait, 10)
    await b.unsubscribe(d, on_events, {})
    return [since, seen]


LEVELDOWN_JS = """(async () => { const p = (f, ...a) => new Promise((res, rej) => f(...a, (e, v) => e ? rej(e) : res(v)));
  const db = b.db_init(); await p(b.db_open, db, tmp, {createIfMissing: true});
  await p(b.db_put, db, 'k', 'v', {}); const v = await p(b.db_get, db, 'k', {asBuffer: false});
  let missing; try { await p(b.db_get, db, 'nope', {asBuffer: false}) } catch (e) { missing = e.message }
  await p(b.db_close, db); return [v, missing] })()"""


async def _leveldown(b, tmp):
    """leveldown's callback API (async work completing on the JS thread), awaited from asyncio."""
    import asyncio

    loop = asyncio.get_running_loop()

    async def call(f, *args):
        done = loop.create_future()
        f(*args, lambda err=None, value=None: loop.call_soon_threadsafe(done.set_result, (err, value)))
        err, value = await done
        if err is not None:  # an Error object, as the callback's first argument
            raise JSError(js.get(err, "message"), name=js.get(err, "name"), value=err)
        return value

    db = b.db_init()
    await call(b.db_open, db, tmp, {"createIfMissing": True})
    await call(b.db_put, db, "k", "v", {})
    value = await call(b.db_get, db, "k", {"asBuffer": False})
    try:
        await call(b.db_get, db, "nope", {"asBuffer": False})
        missing = None
    except JSError as e:
        missing = e.message
    await call(b.db_close, db)
    return [value, missing]


# sodium-native's binding as its JS calls it: sync functions write into Buffers; the `_async`
# ones take (ArrayBuffer, offset, length) triples and run on libuv's pool (uv_queue_work).
PWHASH_ARGS = "Buffer.from('correct horse'), Buffer.alloc(16, 7), 2, 8192, 2"
SODIUM_PWHASH_JS = f"(() => {{ const o = Buffer.alloc(32); b.crypto_pwhash(o, {PWHASH_ARGS}); return o }})()"
SODIUM_PWHASH_ASYNC_JS = """new Promise((res, rej) => { const o = Buffer.alloc(32), pw = Buffer.from('correct horse'),
  s = Buffer.alloc(16, 7); b.crypto_pwhash_async(o.buffer, o.byteOffset, 32, pw.buffer, pw.byteOffset, pw.length,
  s.buffer, s.byteOffset, 16, 2, 8192, 2, (err) => (err ? rej(err) : res(o))) })"""


def _sodium_pwhash(b, tmp):
    out = bytearray(32)
    b.crypto_pwhash(out, b"correct horse", bytes([7]) * 16, 2, 8192, 2)
    return out


async def _sodium_pwhash_async(b, tmp):
    import asyncio

    loop = asyncio.get_running_loop()
    done = loop.create_future()
    out = js.alloc(b, 32, "ArrayBuffer")
    pw, salt = js.arraybuffer(b"correct horse"), js.arraybuffer(bytes([7]) * 16)

    def callback(err=None):
        loop.call_soon_threadsafe(done.set_result, err)

    b.crypto_pwhash_async(out, 0, 32, pw, 0, 13, salt, 0, 16, 2, 8192, 2, callback)
    err = await done
    if err not in (None, 0, js.null):  # 0 when it worked (as JS, falsy), else an Error
        raise JSError(js.get(err, "message"), name=js.get(err, "name"), value=err)
    return bytes(out)


def _canvas_png(b):
    c = b.CanvasElement(4, 4)
    ctx = c.getContext("2d")
    ctx.fillStyle = "#0f0"
    ctx.fillRect(1, 1, 2, 2)
    return c.encodeSync("png")


async def _then(promise, f):
    return await f(await promise)


PACKAGES = [
    Package("@node-rs/crc32", "hashing", [call("crc32", "hello"), call("crc32c", b"hello", 7), call("crc32", 5)]),
    Package(
        "@node-rs/bcrypt",
        "hashing",
        [
            call("hashSync", "pw", 4, bytes(range(16)), None, False),
            call("verifySync", "pw", "$2b$04$..CA.uOD/eaGAOmJB.yMBuaOWmnNUFfwORoH..MfuhEhaBiFsYEfG"),
            call("genSaltSync", 3),
        ],
    ),
    Package(
        "@node-rs/xxhash",
        "hashing",
        [
            call("xxh32", "hello", 0),
            call("xxh64", b"hello", BigInt(42)),
            call("xxh32", 5),
            pair(
                "new Xxh64(1n).update('a').update('b').digest()",
                "new b.Xxh64(1n).update('a').update('b').digest()",
                lambda b, tmp: b.Xxh64(BigInt(1)).update("a").update("b").digest(),
            ),
        ],
    ),
    Package(
        "@node-rs/argon2",
        "hashing",
        [
            call("hashSync", "pw", {"salt": b"0123456789abcdef", "memoryCost": 1024, "timeCost": 2}),
            call(
                "verifySync",
                "$argon2id$v=19$m=1024,t=2,p=1$MDEyMzQ1Njc4OWFiY2RlZg$S6OeUKuYPLCZZ3JthM0zTW2AbfL4Z6nJlZ2sOYd3Lp0",
                "pw",
            ),
            pair(
                "await hash('pw', {salt, memoryCost: 1024})",
                "b.hash('pw', {salt: Buffer.from('0123456789abcdef'), memoryCost: 1024})",
                lambda b, tmp: b.hash("pw", {"salt": b"0123456789abcdef", "memoryCost": 1024}),
            ),
        ],
    ),
    Package(
        "argon2",
        "hashing",
        [
            pair(
                "hash({password, salt, m: 1024, t: 2, type: argon2id}) as argon2.cjs calls it",
                "b.hashRawSync('pw', {salt: Buffer.from('0123456789abcdef'), memoryCost: 1024, timeCost: 2, parallelism: 1,"
                " outputLen: 32, algorithm: 2})",
                lambda b, tmp: b.hash(
                    {
                        "data": b"",
                        "hashLength": 32,
                        "m": 1024,
                        "p": 1,
                        "password": b"pw",
                        "salt": b"0123456789abcdef",
                        "secret": b"",
                        "t": 2,
                        "type": 2,
                        "version": 0x13,
                    }
                ),
            ),
        ],
        node_reference=(
            "@node-rs/argon2",
            "node 20 crashes loading argon2's binary, which declares Node-API 10 "
            "(node 20 has 9); the same Argon2id hash from @node-rs/argon2 under node",
        ),
    ),
    Package(
        "bcrypt",
        "hashing",
        [
            call("encrypt_sync", "pw", "$2b$04$abcdefghijklmnopqrstuu"),
            call("compare_sync", "pw", "$2b$04$abcdefghijklmnopqrstuu5Dqq/E11wkSFNR7vd8w6yE1kvFE3JG2"),
            call("get_rounds", "$2b$10$abcdefghijklmnopqrstuu5Dqq/E11wkSFNR7vd8w6yE1kvFE3JG2"),
            pair(
                "gen_salt_sync('b', 5, 16 bytes)",
                "b.gen_salt_sync('b', 5, Buffer.alloc(16, 7))",
                lambda b, tmp: b.gen_salt_sync("b", 5, bytes([7] * 16)),
            ),
        ],
    ),
    Package(
        "snappy",
        "compression",
        [
            call("compressSync", "hello hello hello hello"),
            call("uncompressSync", bytes.fromhex("17546865726c6c6f2068a6060000"), {"asBuffer": False}),
            pair(
                "await uncompress(await compress(bytes))",
                "b.compress(Buffer.alloc(1000, 97)).then(c => b.uncompress(c))",
                lambda b, tmp: _then(b.compress(b"a" * 1000), b.uncompress),
            ),
        ],
    ),
    Package(
        "lz4-napi",
        "compression",
        [
            call("compressSync", "hello hello hello hello"),
            call("uncompressSync", bytes.fromhex("17000000f008313233343536373839")),
            pair(
                "await compressFrame + decompressFrame",
                "b.compressFrame(Buffer.alloc(500, 98)).then(c => b.decompressFrame(c))",
                lambda b, tmp: _then(b.compressFrame(b"b" * 500), b.decompressFrame),
            ),
        ],
    ),
    Package(
        "@napi-rs/image",
        "image",
        [
            pair(
                "new Transformer(png).metadata()",
                f"new b.Transformer(Buffer.from({json.dumps(PNG_1x1.hex())}, 'hex')).metadata()",
                lambda b, tmp: b.Transformer(PNG_1x1).metadata(),
            ),
            pair(
                "Transformer(png).resize(3, 2).pngSync()",
                f"new b.Transformer(Buffer.from({json.dumps(PNG_1x1.hex())}, 'hex')).resize(3, 2).pngSync()",
                lambda b, tmp: b.Transformer(PNG_1x1).resize(3, 2).pngSync(),
            ),
            call("losslessCompressPngSync", PNG_1x1),
        ],
    ),
    Package(
        "@resvg/resvg-js",
        "image",
        [
            pair(
                "new Resvg(svg).render().asPng()",
                f"new b.Resvg({json.dumps(SVG)}).render().asPng()",
                lambda b, tmp: b.Resvg(SVG).render().asPng(),
            ),
            pair(
                "new Resvg(svg).getBBox()",
                f"(({{x, y, width, height}}) => ({{x, y, width, height}}))(new b.Resvg({json.dumps(SVG)}).getBBox())",
                lambda b, tmp: (lambda r: {k: getattr(r, k) for k in ("x", "y", "width", "height")})(
                    b.Resvg(SVG).getBBox()
                ),
            ),
        ],
    ),
    Package("sharp", "image", [call("libvipsVersion"), call("simd", False), call("format")]),
    Package(
        "@node-rs/jieba",
        "parsing",
        [
            pair(
                "Jieba() without a dict: cut('南京市长江大桥')",
                "new b.Jieba().cut('南京市长江大桥', false)",
                lambda b, tmp: b.Jieba().cut("南京市长江大桥", False),
            ),
            pair("Jieba.withDict(dict.txt, 5 MB): cut, cutForSearch, tag", JIEBA_JS, _jieba),
        ],
    ),
    Package(
        "lightningcss",
        "parsing",
        [
            pair(
                "transform({code, minify})",
                "(r => [r.code.toString(), r.warnings])(b.transform({filename: 'a.css', code: Buffer.from('.a { color: #ff0000; margin: 0px 0px }'), minify: true}))",
                lambda b, tmp: (lambda r: [bytes(r["code"]).decode(), r["warnings"]])(
                    b.transform(
                        {"filename": "a.css", "code": b".a { color: #ff0000; margin: 0px 0px }", "minify": True}
                    )
                ),
            ),
            pair(
                "transform of invalid CSS throws",
                "b.transform({filename: 'a.css', code: Buffer.from('.a { color: }}}'), minify: true, errorRecovery: false}).code.toString()",
                lambda b, tmp: bytes(
                    b.transform(
                        {"filename": "a.css", "code": b".a { color: }}}", "minify": True, "errorRecovery": False}
                    )["code"]
                ).decode(),
            ),
        ],
    ),
    Package(
        "msgpackr-extract",
        "parsing",
        [
            pair(
                "extractStrings over msgpack str8 items",
                "b.extractStrings(0, 14, new Uint8Array(Buffer.from('a568656c6c6fa6776f726c6421c0', 'hex')).buffer)",
                lambda b, tmp: b.extractStrings(0, 14, js.arraybuffer(bytes.fromhex("a568656c6c6fa6776f726c6421c0"))),
            ),
        ],
    ),
    Package(
        "utf-8-validate",
        "parsing",
        [
            pair(
                "isValidUTF8(valid, invalid)",
                "[b(Buffer.from('héllo')), b(Buffer.from([0xc3, 0x28]))]",
                lambda b, tmp: [b(b"h\xc3\xa9llo"), b(b"\xc3\x28")],
            ),
        ],
    ),
    Package(
        "bufferutil",
        "parsing",
        [
            pair(
                "mask(source, mask, output, 2, 4)",
                "(() => { const out = Buffer.alloc(8); b.mask(Buffer.from('abcd'), Buffer.from([1, 2, 3, 4]), out, 2, 4); return out })()",
                _bufferutil_mask,
            ),
            pair(
                "unmask(buffer, mask) in place",
                "(() => { const d = Buffer.from('hello, websocket'); b.unmask(d, Buffer.from([15, 240, 15, 240])); return d })()",
                _bufferutil_unmask,
            ),
        ],
    ),
    Package("classic-level", "database", [pair("open, put, get, has, close (LevelDB)", LEVEL_JS, _level_roundtrip)]),
    Package(
        "lmdb",
        "database",
        [
            pair("version", "b.version", lambda b, tmp: b.version),
            call("lmdbError", -30798),
        ],
    ),
    Package(
        "better-sqlite3",
        "database",
        [pair("initialize, open :memory:, exec, prepare().all/get/raw, SqliteError", SQLITE_JS, _sqlite)],
        expected=(
            lambda: [_sqlite_reference()],
            "node 20 crashes loading better-sqlite3's binary, which declares "
            "Node-API 10 (node 20 has 9); the rows from Python's sqlite3 module",
        ),
    ),
    Package(
        "sodium-native",
        "crypto",
        [
            pair("crypto_pwhash (sync)", SODIUM_PWHASH_JS, _sodium_pwhash),
            pair("crypto_pwhash_async (uv_queue_work), awaited", SODIUM_PWHASH_ASYNC_JS, _sodium_pwhash_async),
        ],
    ),
    Package(
        "@parcel/watcher",
        "files",
        [pair("writeSnapshot, getEventsSince, subscribe (events from a thread)", WATCHER_JS, _watcher)],
    ),
    Package(
        "usb",
        "devices",
        [pair("nativeGetDevices() (no USB here)", "b.nativeGetDevices()", lambda b, tmp: b.nativeGetDevices())],
    ),
    Package(
        "leveldown",
        "database",
        [pair("open, put, get, get a missing key, close (callbacks)", LEVELDOWN_JS, _leveldown)],
    ),
    Package(
        "@serialport/bindings-cpp",
        "devices",
        [
            pair(
                "the binding's functions (Poller: uv_poll)",
                "Object.keys(b).sort()",
                lambda b, tmp: sorted(js.keys(b.exports)),
            )
        ],
    ),
    Package("re2", "parsing", []),
    Package("@mongodb-js/zstd", "compression", []),
    Package(
        "node-pty",
        "terminals",
        [
            pair(
                "open(80, 24): a pseudo-terminal's master, slave and name",
                "Object.keys(b.open(80, 24)).sort()",
                lambda b, tmp: sorted(b.open(80, 24)),
            ),
        ],
    ),
    Package("unix-dgram", "sockets", []),
    Package(
        "@napi-rs/canvas",
        "image",
        [
            pair(
                "CanvasElement(4, 4) fill, encodeSync('png')",
                "(() => { const c = new b.CanvasElement(4, 4); const x = c.getContext('2d'); x.fillStyle = '#0f0'; x.fillRect(1, 1, 2, 2); return c.encodeSync('png') })()",
                lambda b, tmp: _canvas_png(b),
            ),
        ],
    ),
]


BY_NAME = {p.name: p for p in PACKAGES}
