"""js-native-api/test_exception/test.js

The addon's init throws `Error('Error during Init')` carrying the exports as `.binding`; the
JS test takes the binding from the caught error. `load_addon` does the same: it raises
`AddonInitError` (an `AddonLoadError`) whose `.error` is the thrown `JSError`, and the host stays
up while that is referenced, so `.error.props["binding"]` is usable. `theError` is a Python
exception: raised in a callback it is a JS Error in the addon and comes back as the very same
object.
"""

import pytest

from napi_python import AddonLoadError, JSError

from ..helpers import MustCall


def test_init_error_message(node_suite):
    from napi_python import load_addon

    with pytest.raises(AddonLoadError) as info:
        load_addon(str(node_suite.addon_file("js-native-api", "test_exception")))
    assert "Error: Error during Init" in str(info.value)


@pytest.fixture
def test_exception(node_suite):
    from napi_python import load_addon

    with pytest.raises(AddonLoadError) as info:
        load_addon(str(node_suite.addon_file("js-native-api", "test_exception")))
    error = info.value.error
    assert error.message == "Error during Init"
    return error.props["binding"]


class TheError(Exception):
    pass


def test_call(test_exception):
    the_error = TheError("Some error")

    def throw_the_error():
        raise the_error

    returned_error = test_exception.returnException(throw_the_error)
    assert returned_error is the_error

    with pytest.raises(TheError) as info:
        test_exception.allowException(throw_the_error)
    assert info.value is the_error

    assert test_exception.wasPending() is True

    cb = MustCall()
    assert test_exception.returnException(cb) is None
    cb.check()


def test_construct(test_exception):
    the_error = TheError("Some error")

    class ThrowTheError:
        def __init__(self):
            raise the_error

    returned_error = test_exception.constructReturnException(ThrowTheError)
    assert returned_error is the_error

    with pytest.raises(TheError) as info:
        test_exception.constructAllowException(ThrowTheError)
    assert info.value is the_error

    assert test_exception.wasPending() is True

    cb = MustCall()
    assert test_exception.constructReturnException(cb) is None
    cb.check()


@pytest.mark.parametrize("which", ["allowException", "constructAllowException"])
def test_no_exception(test_exception, which):
    cb = MustCall()
    caught = None
    try:
        getattr(test_exception, which)(cb)
    except JSError as exc:
        caught = exc
    assert caught is None
    assert test_exception.wasPending() is False
    cb.check()
