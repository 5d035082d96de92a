"""Drawing with @napi-rs/canvas and saving a PNG, from Python.

    .venv/bin/python examples/canvas_draw.py [OUT.png]

`require` finds the package in tests/npm/node_modules (scripts/setup installs it there) and loads
its Node-API binary. The package's index.js adds JavaScript around that binary; the two pieces
of it this example needs are redone here, minimally: `createCanvas(w, h)` is `new
CanvasElement(w, h)`, and at load the package lets Skia find the system's fonts
(`GlobalFonts.enableSystemFonts`). The argument checks and Chrome-style wrappers of index.js are
not reproduced. examples/node/canvas_draw.js makes the same calls under node;
tests/packages/test_examples.py checks that both print the same lines and write the same PNG.

Untyped on purpose: the package's index.d.ts describes its JavaScript (index.js), not the binding
`require` loads (CanvasElement, Path), so a stub from it would not fit; the binding's exports
are `Any` (an `Addon`'s attributes are, for type checkers).
"""

import asyncio
import hashlib
import math
import os
import sys
from pathlib import Path
from typing import Any

from napi_python import Addon, close, require

NPM = Path(__file__).resolve().parent.parent / "tests" / "npm"


def open_canvas_package() -> Addon:
    """The binding plus what index.js does at load that matters here."""
    skia = require("@napi-rs/canvas", paths=[NPM])
    if not os.environ.get("DISABLE_SYSTEM_FONTS_LOAD"):
        home = Path.home()
        # GlobalFonts is a plain object of functions: a JSObject, so this is a method call.
        skia.GlobalFonts.enableSystemFonts([str(Path("usr/local/share/fonts")), str(home / ".fonts")])
    return skia


def create_canvas(skia: Addon, width: int, height: int) -> Any:
    return skia.CanvasElement(width, height)


def draw(skia: Addon, canvas: Any) -> tuple[Any, float]:
    ctx = canvas.getContext("2d")
    sky = ctx.createLinearGradient(0, 0, 0, canvas.height)
    sky.addColorStop(0, "#1e3c72")
    sky.addColorStop(1, "#2a5298")
    ctx.fillStyle = sky
    ctx.fillRect(0, 0, canvas.width, canvas.height)

    ctx.fillStyle = "rgba(255, 220, 80, 0.9)"  # a sun with a soft shadow
    ctx.shadowColor = "rgba(255, 255, 200, 0.8)"
    ctx.shadowBlur = 12
    ctx.beginPath()
    ctx.arc(250, 60, 30, 0, 2 * math.pi)
    ctx.fill()
    ctx.shadowBlur = 0

    hills = skia.Path()  # the binding's Path2D
    hills.moveTo(0, 150)
    hills.bezierCurveTo(80, 100, 160, 190, 320, 120)
    hills.lineTo(320, 200)
    hills.lineTo(0, 200)
    hills.closePath()
    ctx.fillStyle = "#2e7d32"
    ctx.fill(hills)

    ctx.save()  # a rotated house
    ctx.translate(90, 150)
    ctx.rotate(-0.1)
    ctx.fillStyle = "#8d6e63"
    ctx.fillRect(-25, -30, 50, 30)
    ctx.beginPath()
    ctx.moveTo(-30, -30)
    ctx.lineTo(0, -55)
    ctx.lineTo(30, -30)
    ctx.closePath()
    ctx.fillStyle = "#c62828"
    ctx.fill()
    ctx.restore()

    ctx.strokeStyle = "white"
    ctx.lineWidth = 3
    ctx.setLineDash([6, 4])
    ctx.strokeRect(5, 5, canvas.width - 10, canvas.height - 10)
    ctx.setLineDash([])

    ctx.font = "bold 20px DejaVu Sans"
    ctx.fillStyle = "white"
    ctx.fillText("napi-python", 12, 32)
    width = ctx.measureText("napi-python").width

    # Pixels in and out: invert a strip of the image through getImageData / putImageData.
    strip = ctx.getImageData(0, 180, canvas.width, 20)
    data = memoryview(strip.data)  # shared memory, no copy
    for i in range(0, len(data), 4):
        data[i], data[i + 1], data[i + 2] = 255 - data[i], 255 - data[i + 1], 255 - data[i + 2]
    ctx.putImageData(strip, 0, 180)
    return ctx, width


async def main(out: str) -> None:
    skia = open_canvas_package()
    canvas = create_canvas(skia, 320, 200)
    ctx, text_width = draw(skia, canvas)
    png = bytes(canvas.encodeSync("png"))
    Path(out).write_bytes(png)
    rgba = bytes(ctx.getImageData(0, 0, canvas.width, canvas.height).data)
    webp = bytes(await canvas.encode("webp", 90))  # the async encoder: a promise, awaited
    print(f"canvas {canvas.width}x{canvas.height}")
    print(f"text width {text_width:.3f}")
    print(f"png {len(png)} bytes sha256 {hashlib.sha256(png).hexdigest()}")
    print(f"rgba sha256 {hashlib.sha256(rgba).hexdigest()}")
    print(f"pixel (250,60) {list(rgba[(60 * 320 + 250) * 4 :][:4])}")
    print(f"webp {webp[:4].decode()} {webp[8:12].decode()}")
    print(f"data url {canvas.toDataURL('image/png')[:22]}")
    close(skia)


if __name__ == "__main__":
    asyncio.run(main(sys.argv[1] if len(sys.argv) > 1 else "canvas.png"))
