"""Node-API against node 26: programs of Node-API calls (values of each type, objects and their
properties, arrays, references and their counts, handle scopes, wraps and type tags, errors
thrown and caught, buffers and typed arrays, promises, finalizers, instance data, scripts, async
work, threadsafe functions) run by the napi_calls test addon under node and under napi_python,
isolated and in-process, and what each call answered compared line by line, then what the works
and functions did after the program (napi_calls.py); and programs that end their env, compared
by what its end ran, in order (napi_calls_teardown.py: cleanup hooks, finalizers). The kept corpus is replayed (every program
that once differed, named found-WHAT), then a burst of programs from a seed: 20 a Hypothesis
example (``NAPI_PYTHON_FUZZ_EXAMPLES``), from ``--hypothesis-seed`` (0 unless scripts/fuzz gives
another), the same programs each time. The same programs then pass handles whose scope closed
(undefined behaviour in node, so run under napi_python alone, isolated): each must end in a
transcript or a crash of the host, never a hang."""

from __future__ import annotations

import pytest
from fuzz_support import EXAMPLES
from napi_calls import (
    ADDON,
    CORPUS,
    NODE,
    OP_INDEX,
    Hosts,
    burst,
    differences,
    kept_corpus,
    programs_named,
    save,
    shrink,
    stale_outcomes,
)
from napi_calls_teardown import kept_teardown_corpus, teardown_burst, teardown_differences

pytestmark = pytest.mark.skipif(
    not (ADDON.is_file() and NODE.is_file()), reason=f"{ADDON} or {NODE} is absent: run scripts/build"
)
PROGRAMS = 20 * EXAMPLES
# Programs that end their env: a node process and two hosts each.
TEARDOWN_PROGRAMS = EXAMPLES // 5


@pytest.fixture(scope="module")
def hosts():
    h = Hosts()
    yield h
    h.close()


@pytest.fixture(scope="module")
def programs(request: pytest.FixtureRequest) -> list[bytes]:
    seed = request.config.getoption("hypothesis_seed", None)
    return burst(int(seed or 0), PROGRAMS)


def _fail_with(found: list, hosts: Hosts) -> None:
    d = shrink(found[0], hosts)
    path = save(d.program)
    pytest.fail(
        f"{len(found)} programs differ; the first, shrunk:\n{d}\n"
        f"saved as {path}: once fixed, copy it into {CORPUS} as found-WHAT",
        pytrace=False,
    )


def test_kept_corpus_answers_as_node_does(hosts):
    kept = kept_corpus()
    assert kept, f"{CORPUS} is empty"
    found = differences([p.read_bytes() for p in kept], hosts)
    if found:
        names = {d.program: p.name for p in kept for d in found if p.read_bytes() == d.program}
        pytest.fail("\n\n".join(f"{names.get(d.program)}: {d}" for d in found), pytrace=False)


@pytest.mark.skipif(EXAMPLES == 0, reason="replaying the kept corpus only (NAPI_PYTHON_FUZZ_EXAMPLES=0)")
def test_programs_from_a_seed_answer_as_node_does(hosts, programs):
    found = differences(programs, hosts)
    if found:
        _fail_with(found, hosts)


def test_stale_handles_give_a_status_or_a_clean_crash(hosts, programs):
    kept = [p.read_bytes() for p in kept_corpus()]
    bad, stale = stale_outcomes(kept + programs, hosts)
    assert not bad, f"{bad[0][1]}: {bad[0][0].hex()} (saved as {save(bad[0][0])})"
    # The programs did pass stale handles: the addon marks each call that got one.
    assert stale > len(programs) // 50


def test_a_program_is_named_by_its_file_or_as_hex_however_long(tmp_path):
    # A long program's hex is no file name the system takes (ENAMETOOLONG), not a crash of replay.
    program = bytes(range(256)) * 2
    kept = tmp_path / "found-example"
    kept.write_bytes(b"\x01\x02")
    assert programs_named([program.hex(), str(kept), "0aff"]) == [program, b"\x01\x02", b"\x0a\xff"]


# A program that, with stale handles passed on, tags Buffer.prototype with {0, 0} (a stale
# register reaches it), and one that then checks that tag (found by `napi_calls.py run --seed 100`).
TAGS_A_PROTOTYPE_WHEN_STALE = bytes.fromhex(
    "261031020231130101030000000000000000ffffffffffffff7f00000000000000000b0c85ffff00d800d8ffffe9002c"
    "05050c21010f0516044b0561f09f9880060d010000000000200052064613030103ffffffffffffff7f01000000000000"
    "000100000000000000380adefa1238130a000300000000000020000000008000000000000000000000200016014b8f5f"
    "5f70726f746f5f5f5f5f70726f741207ffffffffffffffff4a0a07d54101052522d65401024b020a0102ffff0000480d"
    "0c04f09f9880020b6348370a010e0e300145e643013d0100620d07e974e9f09f988030cc370d4d01da"
)
CHECKS_THE_BUFFER_PROTOTYPES_TAG = bytes.fromhex("190f096162636c656e6774683a010f4e012e")


def test_stale_programs_leave_the_hosts_compared_with_node_as_they_were(hosts):
    hosts.run(TAGS_A_PROTOTYPE_WHEN_STALE, isolated=True, allow_stale=True)
    transcript = hosts.run(CHECKS_THE_BUFFER_PROTOTYPES_TAG, isolated=True).splitlines()
    assert transcript[2] == "2 check_tag s=0 false"


def test_teardown_programs_end_their_env_as_node_does(request: pytest.FixtureRequest):
    seed = int(request.config.getoption("hypothesis_seed", None) or 0)
    kept = [p.read_bytes() for p in kept_teardown_corpus()]
    assert kept, "the teardown corpus is empty"
    found = teardown_differences(kept + teardown_burst(seed, TEARDOWN_PROGRAMS))
    if found:
        pytest.fail(
            f"{len(found)} teardown programs differ; the first:\n{found[0]}\n(saved as {save(found[0].program)})"
        )


def _ops(*ops: tuple) -> bytes:
    return b"".join(bytes([OP_INDEX[name], *operands]) for name, *operands in ops)


def test_a_work_queued_behind_a_busy_pool_is_cancelled_and_completes_as_cancelled(hosts):
    # Five works queued (the fifth in slot 0 again, the first going on): the pool's four threads
    # wait at the gate in the first four, so the fifth is cancelled and completes with
    # napi_cancelled (11), and the second cannot be (napi_generic_failure, 9).
    queued = [op for slot in (0, 1, 2, 3, 0) for op in (("async_create", slot, 0, 0), ("async_queue", slot))]
    program = _ops(*queued, ("async_cancel", 0), ("async_cancel", 1))
    transcript = hosts.run(program, isolated=True)
    assert "async_cancel s=0" in transcript and "async_cancel s=9" in transcript
    assert "complete s=11 executed=0" in transcript and transcript.count("complete s=0 executed=1") == 4
    assert not differences([program], hosts)
