"""The examples in examples/ that use real npm packages print exactly what their node twins in
examples/node/ print when node makes the same calls through the packages themselves (their
JavaScript glue included), and the canvas example writes the same PNG, byte for byte.

The MP4 for the webcodecs example is made here with ffmpeg (scripts/ffmpeg unpacks Debian's
into build/ffmpeg): H.264 video and AAC audio, one second.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
from conftest import ROOT, missing_input, oracle_node

EXAMPLES = ROOT / "examples"
FFMPEG = ROOT / "build" / "ffmpeg" / "ffmpeg"

pytestmark = pytest.mark.needs_input(
    (ROOT / "tests" / "npm" / "node_modules").is_dir(),
    "tests/npm/node_modules is absent: run scripts/npm-install to install the npm addons",
)


def run(cmd: list[str], cwd: Path) -> str:
    proc = subprocess.run(cmd, cwd=cwd, capture_output=True, text=True, timeout=300, check=False)
    assert proc.returncode == 0, f"{cmd} failed ({proc.returncode}):\n{proc.stderr}"
    return proc.stdout


def both(name: str, args: list[str], cwd: Path) -> tuple[str, str]:
    """What examples/<name>.py and examples/node/<name>.js print for the same arguments."""
    python = run([sys.executable, str(EXAMPLES / f"{name}.py"), *args], cwd)
    node = run([oracle_node(), str(EXAMPLES / "node" / f"{name}.js"), *args], cwd)
    return python, node


def test_canvas_example_draws_the_png_node_draws(tmp_path):
    python = run([sys.executable, str(EXAMPLES / "canvas_draw.py"), str(tmp_path / "py.png")], tmp_path)
    node = run([oracle_node(), str(EXAMPLES / "node" / "canvas_draw.js"), str(tmp_path / "node.png")], tmp_path)
    assert python == node
    assert "png " in python and "rgba sha256 " in python
    assert (tmp_path / "py.png").read_bytes() == (tmp_path / "node.png").read_bytes()


@pytest.fixture(scope="module")
def mp4(tmp_path_factory):
    if not FFMPEG.exists():
        missing_input("build/ffmpeg/ffmpeg is absent: run scripts/ffmpeg")
    out = tmp_path_factory.mktemp("media") / "test.mp4"
    run(
        [
            str(FFMPEG),
            "-hide_banner",
            "-loglevel",
            "error",
            "-f",
            "lavfi",
            "-i",
            "testsrc=size=160x120:rate=10",
            "-f",
            "lavfi",
            "-i",
            "sine=frequency=440:sample_rate=48000",
            "-t",
            "1",
            "-c:v",
            "libx264",
            "-pix_fmt",
            "yuv420p",
            "-g",
            "5",
            "-c:a",
            "aac",
            "-b:a",
            "64k",
            "-y",
            str(out),
        ],
        out.parent,
    )
    return out


def test_webcodecs_example_demuxes_and_decodes_like_node(mp4, tmp_path):
    python, node = both("webcodecs_demux", [str(mp4)], tmp_path)
    assert python == node
    lines = python.splitlines()
    assert "track index=0 trackType=video codec=avc1.64000A" in python
    assert any(line.startswith("  audio key ") for line in lines)
    assert "10 frames" in lines and "errors []" in lines


def test_bcrypt_example_hashes_and_verifies_like_node(tmp_path):
    python, node = both("bcrypt_hash", [], tmp_path)
    assert python == node
    assert "async verify True False" in python and "error ERR_OUT_OF_RANGE" in python


def test_crc32_example_checksums_like_node(tmp_path):
    python, node = both("crc32_checksums", [str(ROOT / "README.md")], tmp_path)
    assert python == node
    assert "'123456789'        crc32 cbf43926 crc32c e3069283" in python
