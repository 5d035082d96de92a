"""Real npm packages that call libuv besides Node-API, compared with node:
sqlite3 (uv_async, uv_mutex), sodium-native (uv_queue_work) and @serialport/bindings-cpp (uv_poll
on the port's descriptor).

Each test calls the package's binding as its JavaScript glue does (which `require` does not run
here), once under node and once through napi_python, isolated, in-process
(NAPI_PYTHON_TEST_MODE=inprocess) and under the default sandbox, and compares the results.
The packages are pinned in tests/npm/package.json (sqlite3 is compiled there from its sources).
"""

from __future__ import annotations

import asyncio
import json
import os
import queue
import time
from pathlib import Path
from typing import Any

import npm_calls
import pytest
from conftest import IN_PROCESS, ROOT, load_in_mode, missing_input, node_eval, oracle_node

import napi_python
from napi_python import Sandbox, js

NPM = ROOT / "tests" / "npm" / "node_modules"
DEADLINE = 30.0


def binary(package: str) -> str:
    """The package's binary for this machine, as `require` picks it (prebuilds/linux-x64 or
    linux-arm64, by the file's tags), or its build/Release one."""
    try:
        return napi_python.resolve(package, paths=[NPM.parent])
    except napi_python.AddonNotFoundError:
        missing_input(f"{package} is not installed in {NPM}: run scripts/npm-install")


@pytest.fixture(params=["plain", "sandboxed"])
def load_package(request):
    """Loads a package's binding isolated (or in-process in that mode), plain and under the
    default sandbox (its folder readable; `write` paths too)."""
    opened = []

    def _load(path: str, write: list[str] = ()):
        if request.param == "sandboxed":
            if IN_PROCESS:
                pytest.skip("the sandbox needs a host process of its own")
            addon = load_in_mode(path, sandbox=Sandbox(read=[str(Path(path).parent)], write=list(write)))
        else:
            addon = load_in_mode(path)
        opened.append(addon)
        return addon

    yield _load
    for a in opened:
        napi_python.close(a)


def under_node(path: str, body: str) -> Any:
    return node_eval(
        f"const b = require({json.dumps(path)}); const done = (r) => console.log(JSON.stringify(r));\n{body}"
    )


class Calls:
    """A Python callback the binding calls from its loop's callbacks: a queue to wait on."""

    def __init__(self) -> None:
        self._q: queue.Queue[list[Any]] = queue.Queue()

    def __call__(self, *args: Any) -> None:
        self._q.put(list(args))

    def next(self) -> list[Any]:
        return self._q.get(timeout=DEADLINE)


# ---- sodium-native: sync calls and uv_queue_work ---------------------------------------------

PWHASH = "const pw = Buffer.from('correct horse'), salt = Buffer.alloc(16, 7), ops = 2, mem = 8192, alg = 2;"


def test_sodium_native_sync_calls_and_crypto_pwhash_async_awaited_from_asyncio(load_package):
    path = binary("sodium-native")
    node = under_node(
        path,
        PWHASH
        + """
        const sync = Buffer.alloc(32); b.crypto_pwhash(sync, pw, salt, ops, mem, alg);
        const out = Buffer.alloc(32);
        b.crypto_pwhash_async(out.buffer, out.byteOffset, 32, pw.buffer, pw.byteOffset, pw.length,
          salt.buffer, salt.byteOffset, 16, ops, mem, alg, (err) => done([b.crypto_pwhash_SALTBYTES,
          sync.toString('hex'), err === null || err === undefined || err === 0 ? 'ok' : String(err), out.toString('hex')]))""",
    )
    sodium = load_package(path)
    err, hashed = npm_calls.pwhash_async(sodium, DEADLINE)
    ours = [sodium.crypto_pwhash_SALTBYTES, npm_calls.pwhash(sodium), "ok" if err in (None, 0) else str(err), hashed]
    assert ours == node
    assert node[1] == node[3], "the same hash, sync and async"


# ---- @serialport/bindings-cpp: a pseudo-terminal through its poller --------------------------

OPEN_OPTIONS = {**npm_calls.SERIAL_OPEN_OPTIONS, "lock": False, "rtsMode": "handshake"}


def test_serialport_lists_no_ports_in_its_binding_on_linux(load_package):
    """On Linux bindings-cpp lists ports in JavaScript (udevadm), not in the binding: its
    functions are the same as under node, and `list` is not among them."""
    path = binary("@serialport/bindings-cpp")
    node = under_node(path, "done([Object.keys(b).sort(), Object.getOwnPropertyNames(b.Poller.prototype).sort()])")
    port = load_package(path)
    ours = [
        sorted(js.keys(napi_python.addon_info(port).exports)),
        sorted(js.own_property_descriptors(js.get(port.Poller, "prototype"))),
    ]
    assert ours == node
    assert "list" not in ours[0]


def test_serialport_reads_and_writes_a_pseudo_terminal_through_its_poller(load_package):
    """The port is the slave of a pseudo-terminal this test holds the master of: bytes written
    to the master make the binding's Poller (uv_poll) report it readable; what is written to
    the port comes out of the master."""
    path = binary("@serialport/bindings-cpp")
    master, slave = os.openpty()
    name = os.ttyname(slave)
    os.close(slave)
    try:
        js_side = f"""const fs = require('fs'); const r = [];
          b.open({json.dumps(name)}, {json.dumps(OPEN_OPTIONS)}, (err, fd) => {{
            r.push(err ? String(err) : 'open');
            const p = new b.Poller(fd, (err, flags) => {{
              r.push(['event', err ? String(err) : null, flags]);
              const buf = Buffer.alloc(64); const n = fs.readSync(fd, buf, 0, 64); r.push(buf.subarray(0, n).toString());
              fs.writeSync(fd, 'pong\\n'); p.stop(); p.destroy(); b.close(fd, (err) => {{ r.push(err ? String(err) : 'closed'); done(r) }}) }});
            p.poll(1); process.stdout.write('polling\\n') }})"""
        node = run_with_master(path, js_side, master)
        port = load_package(path, write=[name])
        calls = Calls()
        port.open(name, OPEN_OPTIONS, calls)
        err, fd = calls.next()
        ours: list[Any] = [str(err) if err else "open"]
        events = Calls()
        poller = port.Poller(fd, events)
        poller.poll(1)
        os.write(master, b"ping\n")
        err, flags = events.next()
        ours.append(["event", str(err) if err else None, flags])
        # The port's descriptor is the host's: reached through /proc when it is another process.
        with open(f"/proc/{napi_python.addon_info(port).pid}/fd/{fd}", "r+b", buffering=0) as tty:
            ours.append(os.read(tty.fileno(), 64).decode())
            tty.write(b"pong\n")
        poller.stop()
        poller.destroy()
        port["close"](fd, calls)
        (err,) = calls.next() or [None]
        ours.append(str(err) if err else "closed")
        assert ours == node == ["open", ["event", None, 1], "ping\n", "closed"]
        assert read_master(master) == "pong\n"
    finally:
        os.close(master)


def run_with_master(path: str, js_side: str, master: int) -> Any:
    """Runs `js_side` under node; once it prints "polling", writes to the pseudo-terminal's
    master, then answers what it printed last (and checks what it wrote to the port)."""
    import subprocess

    script = f"const b = require({json.dumps(path)}); const done = (r) => console.log(JSON.stringify(r));\n{js_side}"
    proc = subprocess.Popen([oracle_node(), "-e", script], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        assert proc.stdout.readline() == "polling\n"
        os.write(master, b"ping\n")
        out, err = proc.communicate(timeout=DEADLINE)
    finally:
        proc.kill()
    assert proc.returncode == 0, err
    assert read_master(master) == "pong\n"
    return json.loads(out.strip().splitlines()[-1])


def read_master(master: int) -> str:
    import select

    got = b""
    deadline = time.monotonic() + DEADLINE
    while not got.endswith(b"\n") and time.monotonic() < deadline:
        if select.select([master], [], [], deadline - time.monotonic())[0]:
            got += os.read(master, 64)
    return got.decode().replace("\r\n", "\n")


# ---- sqlite3 (node-sqlite3): uv_async and uv_mutex under node-addon-api ----------------------

# The package's JS makes Database an EventEmitter (its native code calls `this.emit(...)` on open,
# close, errors); here both sides give it an `emit` that records the event names.
SQLITE_JS = """const r = [], events = []; b.Database.prototype.emit = function (name) { events.push(name) };
  const step = (label, f) => new Promise((res) => f((err, v) => { r.push([label, err ? [err.message, err.code, err.errno] : null, v === undefined ? null : v]); res() }));
  (async () => {
    for (const file of [':memory:', %(file)s]) {
      const db = await new Promise((res) => { const d = new b.Database(file, 6, (err) => { r.push(['open', err ? err.message : null]); res(d) }) });
      await step('exec', (cb) => db.exec('create table t (i integer, r real, s text, x blob, n)', cb));
      const ins = await new Promise((res) => { const s = new b.Statement(db, 'insert into t values (?, ?, ?, ?, ?)', (err) => res(s)) });
      await step('run int', (cb) => ins.run(7, 1.5, 'seven', Buffer.from([1, 2, 3]), null, function (err) { cb(err, [this && this.lastID, this && this.changes]) }));
      await step('run big', (cb) => ins.run(2 ** 40, -0.25, 'émoji ✓', Buffer.alloc(0), true, (err) => cb(err)));
      await step('finalize', (cb) => ins.finalize((err) => cb(err)));
      const sel = await new Promise((res) => { const s = new b.Statement(db, 'select i, r, s, hex(x) as x, n from t where i > ? order by i', (err) => res(s)) });
      await step('all', (cb) => sel.all(0, cb));
      const rows = []; await step('each', (cb) => sel.each(0, (err, row) => rows.push(row), (err, n) => cb(err, [n, rows])));
      await step('get', (cb) => sel.get(0, cb));
      await step('finalize', (cb) => sel.finalize((err) => cb(err)));
      await step('error', (cb) => db.exec('select * from nope', cb));
      await step('close', (cb) => db.close(cb));
    }
    r.push(['events', events.sort()]); done(r) })()"""


def test_sqlite3_databases_statements_row_callbacks_errors_and_close(load_package, tmp_path):
    path = binary("sqlite3")
    node_file, our_file = str(tmp_path / "node.db"), str(tmp_path / "ours.db")
    node = under_node(path, SQLITE_JS % {"file": json.dumps(node_file)})
    sqlite = load_package(path, write=[str(tmp_path)])
    ours = asyncio.run(sqlite_in_python(sqlite, our_file))
    assert ours == node
    assert Path(our_file).exists()


async def sqlite_in_python(b, file: str) -> list[Any]:
    """SQLITE_JS, said in Python: each callback settles an asyncio future."""
    loop = asyncio.get_running_loop()
    r: list[Any] = []
    events: list[str] = []
    js.set(
        js.get(b.Database, "prototype"),
        "emit",
        js.function(lambda this, name, *rest: events.append(name), receives_this=True),
    )

    def error(err):
        return [js.get(err, "message"), js.get(err, "code"), js.get(err, "errno")] if err is not None else None

    async def step(label, start, value=lambda v: v):
        done = loop.create_future()

        def cb(err=None, v=None, *rest):
            loop.call_soon_threadsafe(done.set_result, (err, v))

        start(cb)
        err, v = await asyncio.wait_for(done, DEADLINE)
        got = value(v)
        r.append([label, error(err), None if got is None else got])

    async def made(make):
        done = loop.create_future()
        obj = make(lambda err=None, *rest: loop.call_soon_threadsafe(done.set_result, err))
        return obj, await asyncio.wait_for(done, DEADLINE)

    async def one_database(name: str) -> None:
        db, err = await made(lambda cb: b.Database(name, 6, cb))
        r.append(["open", js.get(err, "message") if err is not None else None])
        await step("exec", lambda cb: db.exec("create table t (i integer, r real, s text, x blob, n)", cb))
        ins, _ = await made(lambda cb: b.Statement(db, "insert into t values (?, ?, ?, ?, ?)", cb))
        changed = js.function(
            lambda this, err=None: cb_box[0](err, [js.get(this, "lastID"), js.get(this, "changes")]), receives_this=True
        )
        cb_box: list[Any] = [None]

        def run_int(cb):
            cb_box[0] = cb
            ins.run(7, 1.5, "seven", b"\x01\x02\x03", js.null, changed)

        await step("run int", run_int)
        await step("run big", lambda cb: ins.run(2**40, -0.25, "émoji ✓", b"", True, lambda err=None: cb(err)))
        await step("finalize", lambda cb: ins.finalize(lambda err=None: cb(err)))
        sel, _ = await made(
            lambda cb: b.Statement(db, "select i, r, s, hex(x) as x, n from t where i > ? order by i", cb)
        )
        await step("all", lambda cb: sel.all(0, cb))
        rows: list[Any] = []
        await step("each", lambda cb: sel.each(0, lambda err, row: rows.append(row), lambda err, n: cb(err, [n, rows])))
        await step("get", lambda cb: sel.get(0, cb))
        await step("finalize", lambda cb: sel.finalize(lambda err=None: cb(err)))
        await step("error", lambda cb: db.exec("select * from nope", cb))
        await step("close", lambda cb: db.close(cb))

    for name in [":memory:", file]:
        await one_database(name)
    # The last close's `emit` follows its callback in the same turn of the loop: a request is
    # served only after that turn, so once it is answered every emit has reached Python.
    js.get(b.Database, "name")
    r.append(["events", sorted(events)])
    return json.loads(json.dumps(r))
