"""Demuxing an MP4 with @napi-rs/webcodecs and decoding its video frames, from Python.

    .venv/bin/python examples/webcodecs_demux.py VIDEO.mp4

`require` finds the package in tests/npm/node_modules (scripts/setup installs it there). Its
index.js only re-exports the native binding, so there is no JavaScript glue to redo.

The demuxer and the decoder deliver their output through threadsafe functions, from their own
threads: napi_python runs those callbacks on the addon's event dispatcher thread, in the order
the addon made them, while this thread awaits the promises (`demuxAsync`, `flush`, `copyTo`).
Decoded frames are copied into shared memory made with `js.alloc`, which the decoder's worker
fills in place after `copyTo` has returned its promise. examples/node/webcodecs_demux.js makes
the same calls under node; tests/test_examples.py checks that both print the same lines.
"""

import asyncio
import hashlib
import sys
from pathlib import Path

from napi_python import js, require

NPM = Path(__file__).resolve().parent.parent / "tests" / "npm"


def digest(data) -> str:
    return hashlib.sha256(data).hexdigest()[:16]


def hex_description(config):
    return {k: (bytes(v).hex() if k == "description" else v) for k, v in (config or {}).items()}


async def main(path):
    codecs = require("@napi-rs/webcodecs", paths=[NPM])
    chunks, frames, errors = [], [], []

    def on_chunk(track):
        def output(chunk):
            data = bytearray(chunk.byteLength)
            chunk.copyTo(data)
            chunks.append(
                f"{track} {chunk.type} t={chunk.timestamp} d={chunk.duration} {chunk.byteLength}B {digest(data)}"
            )
            if track == "video":
                decoder.decode(chunk)

        return output

    decoder = codecs.VideoDecoder({"output": frames.append, "error": lambda e: errors.append(str(e))})
    demuxer = codecs.Mp4Demuxer(
        {
            "videoOutput": on_chunk("video"),
            "audioOutput": on_chunk("audio"),
            "error": lambda e: errors.append(str(e)),
        }
    )
    await demuxer.load(str(path))
    for track in demuxer.tracks:
        print("track", " ".join(f"{k}={v}" for k, v in track.items()))
    print("duration", demuxer.duration)
    print("video config", hex_description(demuxer.videoDecoderConfig))
    print("audio config", hex_description(demuxer.audioDecoderConfig))
    decoder.configure(demuxer.videoDecoderConfig)
    await demuxer.demuxAsync()
    await decoder.flush()
    print(f"{len(chunks)} chunks, state {demuxer.state}")
    for line in chunks:
        print(" ", line)
    print(f"{len(frames)} frames")
    for frame in frames:
        rgba = js.alloc(codecs, frame.allocationSize({"format": "RGBA"}), "Uint8Array")
        await frame.copyTo(rgba, {"format": "RGBA"})
        print(f"  frame t={frame.timestamp} {frame.codedWidth}x{frame.codedHeight} {frame.format} rgba {digest(rgba)}")
        frame.close()
    print("errors", errors)
    demuxer.close()
    decoder.close()
    codecs.close()


if __name__ == "__main__":
    asyncio.run(main(sys.argv[1]))
