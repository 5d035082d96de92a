"""A tour of napi_python with the test addons built by scripts/setup (build/addons/*.node).

Run it with `.venv/bin/python examples/quickstart.py` from the repository root.
"""

from pathlib import Path

from napi_python import AddonCrashedError, JSError, JSTypeError, addon_info, close, load_addon

ADDONS = Path(__file__).resolve().parent.parent / "build" / "addons"

# Each load_addon starts its own napi-hostd process; `with` ends it.
with load_addon(ADDONS / "bench.node") as bench, load_addon(ADDONS / "rust_addon.node") as rs:
    print(f"loaded {bench!r} and {rs!r}")

    # 1. Functions: Python values go in, JS values come back as Python values.
    print("bench.add(1, 2)            =", bench.add(1, 2))
    print("rs.greet('Python')         =", rs.greet("Python"))
    print("rs.makePoint(3, 4)         =", rs.makePoint(3, 4))  # #[napi(object)] -> dict
    print("rs.distance(...)           =", rs.distance({"x": 0, "y": 0}, {"x": 3, "y": 4}))
    print("rs.sortStrings([...])      =", rs.sortStrings(["pear", "apple", "fig"]))
    print("rs.greetMaybe(None)        =", rs.greetMaybe(None))  # Option<String>

    # 2. A class: construct, call methods, use a getter and a setter.
    c = rs.Counter(10)
    c.increment()
    c.add(5)
    print("Counter(10) +1 +5: value   =", c.value)
    c.value = 100  # setter
    c.step = 7
    print("after value=100, step=7    =", c.increment(), "|", c.toString())

    # 3. Python callables become JS functions that the addon calls back (nested calls work).
    def square(x: float) -> float:
        return x * x

    def plus(acc: float, x: float) -> float:
        return acc + x

    print("rs.mapWith([1, 2, 3], x*x) =", rs.mapWith([1, 2, 3], square))
    print("rs.reduceWith(+)           =", rs.reduceWith([1.5, 2.5, 3.0], 0, plus))
    print("bench.callback(...)        =", bench.callback(lambda: bench.add(20, 22)))

    # 4. JS errors arrive as Python exceptions with name, message and code.
    try:
        rs.checkedDiv(1, 0)
    except JSError as e:
        print(f"caught {type(e).__name__}: name={e.name!r} message={e.message!r} code={e.code!r}")
    try:
        c.step = 0
    except JSError as e:
        print(f"caught {type(e).__name__}: {e.message!r} code={e.code!r}; step is still", c.step)
    try:
        rs.greet(42)  # wrong argument type: as under node
    except JSError as e:
        print(f"caught {type(e).__name__}: code={e.code!r} {e.message!r}")
    try:
        rs.throwTypeError("not a number")
    except JSTypeError as e:  # also a TypeError: `except TypeError` catches it too
        print(f"caught {type(e).__name__}: name={e.name!r} code={e.code!r}")

# 5. A crash in native code kills only the host process; Python gets an exception.
faults = load_addon(ADDONS / "faults.node")
print("faults.add(2, 3)           =", faults.add(2, 3))
try:
    faults.segfault()
except AddonCrashedError as e:
    print(f"survived a crash: {type(e).__name__} signal={e.signal} (host pid {addon_info(faults).pid} is gone)")
close(faults)

# ...and a fresh load of the same addon works in a new process.
with load_addon(ADDONS / "faults.node") as faults:
    print(f"reloaded in pid {addon_info(faults).pid}: faults.add(2, 3) =", faults.add(2, 3))
print("done")
