"""js-native-api/test_general/testEnvCleanup.js (partial)

Node's child process wraps three objects kept alive until exit and expects, from the env
teardown, exactly the lines of the finalizers still attached. Here the host is the child: the
objects stay referenced from Python, `close()` tears the env down, and the host's stdout is read
where napi_python sends it (the test's stdout, or the napi_python.host log). Left out: the child's exit status (close() does not report it).
"""

import logging

import napi_python
from napi_python import js

from ..helpers import host_output


def test_wrap_finalizers_at_env_cleanup(node_addon, capfd, caplog):
    caplog.set_level(logging.INFO, logger="napi_python.host")
    test_general = node_addon("js-native-api", "test_general")
    finalizer_messages = {
        "simple wrap": 0,
        "wrap, removeWrap": 1,
        "first wrap": 2,
        "second wrap": 3,
    }
    exports = {}
    exports["simple wrap"] = test_general.envCleanupWrap(js.object(test_general), finalizer_messages["simple wrap"])
    exports["wrap, removeWrap"] = test_general.envCleanupWrap(
        js.object(test_general), finalizer_messages["wrap, removeWrap"]
    )
    test_general.removeWrap(exports["wrap, removeWrap"])
    exports["first wrap"] = test_general.envCleanupWrap(js.object(test_general), finalizer_messages["first wrap"])
    test_general.removeWrap(exports["first wrap"])
    test_general.envCleanupWrap(exports["first wrap"], finalizer_messages["second wrap"])

    capfd.readouterr()
    napi_python.close(test_general)
    out = host_output(capfd, caplog, "stdout", lambda text: text.count("finalize at env cleanup") >= 2)
    lines = {line: True for line in out.splitlines() if line}
    assert lines == {
        "finalize at env cleanup for simple wrap": True,
        "finalize at env cleanup for second wrap": True,
    }
