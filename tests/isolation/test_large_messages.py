"""Messages larger than the rings they cross, on every path, in both modes.

Requests, replies, calls into Python and their answers, events and settlements travel between
Python and a host as frames in shared-memory rings of `RING_CAPACITY` bytes each; a larger
frame streams through while the reader makes room. A writer that waits for room must never
wait for a reader that waits for it: an in-process host thread idles on a wake-up of its own,
not on the ring, and takes the GIL for its event turns, so a request larger than the ring once
left the caller waiting for room while the host thread slept (`@tailwindcss/oxide`'s
`scanFiles` with 1 MB of content, in-process).

Each path is tried with strings just under, at and past the ring's size, and four times it, in
two addons: `large_messages` (an in-process host serves its calls on the calling thread) and
`large_messages_threaded` (thread-local storage: an in-process host serves every request on its
own thread, over the rings, as it does for napi-rs addons). The `load` fixture gives the mode.
"""

from __future__ import annotations

import json
import threading

import pytest
from conftest import INSTALL_NPM, NPM, load_in_mode, node_eval

import napi_python
from napi_python._native import RING_CAPACITY

SIZES = [RING_CAPACITY // 2, RING_CAPACITY - 64, RING_CAPACITY, RING_CAPACITY + 64, 4 * RING_CAPACITY + 1]
ADDONS = ["large_messages", "large_messages_threaded"]

# How long a test waits for what a thread of the addon's sends (an event, a settlement).
WAIT = 60.0


@pytest.fixture(params=ADDONS)
def addon(request, load):
    return load(request.param)


@pytest.mark.parametrize("size", SIZES)
def test_a_request_and_its_reply_larger_than_the_ring(addon, size):
    text = "q" * size
    assert addon.echo(text) == text


@pytest.mark.parametrize("size", SIZES)
def test_a_method_call_larger_than_the_ring(addon, size):
    text = "m" * size
    assert addon.Echoer().echo(text) == text


@pytest.mark.parametrize("size", SIZES)
def test_a_request_larger_than_the_ring_with_a_small_reply(addon, size):
    assert addon.length("l" * size) == size


@pytest.mark.parametrize("size", SIZES)
def test_a_reply_larger_than_the_ring_to_a_small_request(addon, size):
    assert addon.text(size) == "x" * size


@pytest.mark.parametrize("size", SIZES)
def test_a_call_into_python_larger_than_the_ring(addon, size):
    seen = []

    def callback(text):
        seen.append(text)
        return ""

    assert addon.callLength(callback, size) == 0
    assert seen == ["c" * size]


@pytest.mark.parametrize("size", SIZES)
def test_an_answer_from_python_larger_than_the_ring(addon, size):
    assert addon.callLength(lambda _: "a" * size, 0) == size


@pytest.mark.parametrize("size", SIZES)
def test_an_event_call_into_python_larger_than_the_ring(addon, size):
    got = []
    done = threading.Event()

    def callback(text):
        got.append(text)
        done.set()

    addon.emitLater(callback, size)
    assert done.wait(WAIT), "the event never reached Python"
    assert got == ["e" * size]


@pytest.mark.parametrize("size", SIZES)
def test_a_settlement_larger_than_the_ring(addon, size):
    assert addon.resolveLater(size).result(timeout=WAIT) == "r" * size


def test_a_large_request_while_an_event_callback_waits_for_the_gil(addon):
    """An in-process host thread runs event callbacks itself, with the GIL, and reads nothing
    meanwhile: a caller must not keep the GIL while it waits for room in the ring."""
    entered = threading.Event()
    release = threading.Event()

    def callback(_):
        entered.set()
        release.wait(WAIT)

    addon.emitLater(callback, 0)
    assert entered.wait(WAIT), "the event never reached Python"
    release.set()
    # At once: the callback now needs the GIL back to return, and this thread holds it.
    text = "g" * (2 * RING_CAPACITY)
    assert addon.length(text) == len(text)


def test_many_threads_sending_large_requests_at_once(addon):
    """Writers queue for the ring while each waits for room; none may hold the GIL meanwhile."""
    text = "t" * (RING_CAPACITY + 64)
    results: list[bool] = []
    errors: list[BaseException] = []

    def work():
        try:
            for _ in range(3):
                results.append(addon.length(text) == len(text) and addon.echo(text) == text)
        except BaseException as e:  # reported by the assertion below
            errors.append(e)

    threads = [threading.Thread(target=work) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(WAIT)
    assert not any(t.is_alive() for t in threads), "a thread is still waiting"
    assert errors == []
    assert results == [True] * 12


@pytest.mark.needs_input(
    (NPM / "node_modules/@tailwindcss/oxide").is_dir(),
    f"{NPM}/node_modules/@tailwindcss/oxide is absent: run {INSTALL_NPM}",
)
def test_tailwind_oxide_scans_a_megabyte_of_content_as_node_does(tmp_path):
    """The report that found the in-process hang: 20,000 lines of classes (about 1 MB). The
    binary is the platform's, found as node finds it (its napi-rs platform package)."""
    binary = napi_python.resolve("@tailwindcss/oxide", paths=[NPM])
    (tmp_path / "page.html").write_text('<p class="underline">\n')
    options = {"sources": [{"base": str(tmp_path), "pattern": "**/*", "negated": False}]}
    content = "".join(f'<p class="w-{i} h-[{i}px] hover:bg-red-{i} md:p-{i}">\n' for i in range(20000))
    assert len(content.encode()) > RING_CAPACITY
    # The same content made under node (too large for a command line).
    expected = node_eval(
        f"const oxide = require({json.dumps(binary)});"
        f"const scanner = new oxide.Scanner({json.dumps(options)});"
        "let content = '';"
        'for (let i = 0; i < 20000; i++) content += `<p class="w-${i} h-[${i}px] hover:bg-red-${i} md:p-${i}">\\n`;'
        "console.log(JSON.stringify(scanner.scanFiles([{content, extension: 'html'}])));"
    )
    oxide = load_in_mode(binary)
    try:
        scanner = oxide.Scanner(options)
        candidates = scanner.scanFiles([{"content": content, "extension": "html"}])
    finally:
        napi_python.close(oxide)
    assert "hover:bg-red-19999" in candidates
    assert sorted(candidates) == sorted(expected)
