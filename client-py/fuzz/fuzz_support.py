"""What the Python fuzz targets share: Hypothesis's settings for the run at hand, the kept corpus
of a target, and damage done to a seed input.

``NAPI_PYTHON_FUZZ_EXAMPLES`` is how many examples each property runs (``scripts/fuzz`` sets it:
a burst in the test command, rounds of it for a longer run); 0 skips the properties, so that only
the kept corpus is replayed. Examples are not remembered between runs (no database): the kept
corpus is what is replayed, and what a run finds is printed as the falsifying example, to be put
into the corpus by hand once fixed.
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import struct
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any, TypeVar

import pytest
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st

CORPUS = Path(__file__).resolve().parent / "corpus"
FAILURES = Path(__file__).resolve().parents[2] / "build" / "fuzz" / "crashes"
EXAMPLES = int(os.environ.get("NAPI_PYTHON_FUZZ_EXAMPLES", "100"))

F = TypeVar("F", bound=Callable[..., Any])


def fuzzed(test: F) -> F:
    """A property run for ``EXAMPLES`` examples, with no deadline (a slow example is not a
    failure: the machine is shared) and no examples kept between runs."""
    skip = pytest.mark.skipif(EXAMPLES == 0, reason="replaying the kept corpus only (NAPI_PYTHON_FUZZ_EXAMPLES=0)")
    configured = settings(
        max_examples=max(EXAMPLES, 1),
        deadline=None,
        database=None,
        suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large, HealthCheck.filter_too_much],
    )(test)
    return skip(configured)  # type: ignore[no-any-return]


def corpus(target: str) -> list[Path]:
    """The kept inputs of ``target``, sorted (a pytest parameter each)."""
    return sorted(p for p in (CORPUS / target).iterdir() if p.is_file())


def corpus_params(target: str) -> Any:
    return pytest.mark.parametrize("kept", corpus(target), ids=lambda p: p.name)


@contextlib.contextmanager
def failure_kept(target: str, data: bytes) -> Iterator[None]:
    """Runs the check of ``data``; when it fails, ``data`` is saved to build/fuzz/crashes/TARGET/
    first (Hypothesis shrinks the example and fails again, so the last file is the smallest), to
    be copied into the kept corpus once fixed."""
    try:
        yield
    except BaseException:
        folder = FAILURES / target
        folder.mkdir(parents=True, exist_ok=True)
        path = folder / hashlib.sha256(data).hexdigest()[:16]
        path.write_bytes(data)
        print(f"the failing input of {target}: {path}")
        raise


# Values that lengths, offsets and counts in binary headers are commonly checked against.
_EDGES = [0, 1, 2, 0x7F, 0x80, 0xFF, 0x100, 0x1000, 0x7FFF_FFFF, 0x8000_0000, 0xFFFF_FFFF, 0xFFFF_FFF0]


@st.composite
def damaged(draw: st.DrawFn, seeds: list[bytes], head: int = 512) -> bytes:
    """One of ``seeds`` with a few bytes overwritten, words set to edge values, spans cut out or
    inserted, and perhaps cut short; most changes land in the first ``head`` bytes or the last
    4 KiB, where headers and tables are."""
    data = bytearray(draw(st.sampled_from(seeds)))
    for _ in range(draw(st.integers(1, 8))):
        if not data:
            break
        region = draw(st.sampled_from(["head", "tail", "anywhere"]))
        low, high = {"head": (0, min(head, len(data))), "tail": (max(0, len(data) - 4096), len(data))}.get(
            region, (0, len(data))
        )
        at = draw(st.integers(low, max(low, high - 1)))
        change = draw(st.sampled_from(["byte", "word", "cut", "insert"]))
        if change == "byte":
            data[at] = draw(st.integers(0, 255))
        elif change == "word":
            width, order = draw(st.sampled_from([(2, "<H"), (4, "<I"), (4, ">I"), (8, "<Q")]))
            value = draw(st.sampled_from([*_EDGES, len(data), len(data) + 1])) % (1 << (8 * width))
            data[at : at + width] = struct.pack(order, value)
        elif change == "cut":
            del data[at : at + draw(st.integers(1, 64))]
        else:
            data[at:at] = draw(st.binary(max_size=16))
    if draw(st.booleans()):
        del data[draw(st.integers(0, len(data))) :]
    return bytes(data)
