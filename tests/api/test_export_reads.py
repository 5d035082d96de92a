"""`addon.f` remembers what it found in the instance dict by the dict's version
(client-py/src/python_types/read_cache.rs): every way the dict changes must show at the next
read, however many reads were remembered before (each loop below reads often enough to be
served from what was remembered, then changes the dict and reads again).
"""

from __future__ import annotations

import gc

import pytest

import napi_python
from napi_python import AddonClosedError, _native


class Holder(_native.ExportHolder):
    def _napi_missing_attribute(self, name):
        raise AttributeError(f"missing {name}")


def _read_f(h):
    return h.f


def _store_f(h, value):
    # The interpreter specialises this store after a few runs: a split dict that shares its
    # values with the instance is then changed without its version changing on 3.13.
    h.f = value


@pytest.mark.parametrize("keys", [2, 60], ids=["shared-values", "own-table"])
def test_a_read_sees_every_change_of_the_instance_dict(keys):
    h = Holder()
    for i in range(keys):
        setattr(h, f"k{i}", i)
    vars(h)  # the dict made, as an addon's always is
    for i in range(200):
        _store_f(h, i)
        assert [_read_f(h) for _ in range(3)] == [i] * 3
        vars(h)["f"] = -i
        assert _read_f(h) == -i
        object.__setattr__(h, "f", ("set", i))
        assert _read_f(h) == ("set", i)
        del h.f
        with pytest.raises(AttributeError, match="missing f"):
            _read_f(h)
        h.__dict__.update(f=("updated", i))
        assert _read_f(h) == ("updated", i)
        vars(h).clear()
        with pytest.raises(AttributeError, match="missing f"):
            _read_f(h)
        h.__dict__ = {"f": ("new dict", i)}
        assert _read_f(h) == ("new dict", i)


def test_a_name_equal_to_a_key_is_read_by_value_not_by_address():
    """A name built at run time is another string than the dict's key: what it found stays
    right after it is freed and another string takes its address."""
    h = Holder()
    h.alpha, h.omega = 1, 2
    for _ in range(500):
        assert getattr(h, "".join(["al", "pha"])) == 1
        assert getattr(h, "".join(["om", "ega"])) == 2
        gc.collect(0)


def test_two_holders_with_the_same_names_read_their_own():
    a, b = Holder(), Holder()
    for i in range(100):
        a.f, b.f = ("a", i), ("b", i)
        assert (_read_f(a), _read_f(b), _read_f(a)) == (("a", i), ("b", i), ("a", i))


def test_an_export_set_deleted_and_dropped_reads_as_before(load):
    addon = load("lifecycle_legacy")
    hello = addon.hello
    for _ in range(50):
        assert addon.hello is hello
    addon.hello = "replaced"
    assert [addon.hello for _ in range(3)] == ["replaced"] * 3
    del addon.hello
    # The fallback finds the export again, bound anew.
    assert addon.hello() == "registered by napi_module_register"
    napi_python.close(addon)
    with pytest.raises(AddonClosedError):
        addon.hello()
