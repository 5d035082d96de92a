"""The node every differential test asks for the expected answer: Node 26 LTS, installed from
npm into build/node26 by scripts/node-oracle, never the system's node (whose version is whatever
the machine carries). `NAPI_PYTHON_ORACLE_NODE=24` asks build/node24 instead, to see what the
previous LTS answers differently (docs/node-versions.md lists what changed between releases).
"""

from __future__ import annotations

import os
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
ORACLE_MAJOR = os.environ.get("NAPI_PYTHON_ORACLE_NODE", "26")
NODE_DIR = ROOT / "build" / f"node{ORACLE_MAJOR}"
# The executable, as a string for subprocess argument lists.
NODE = str(NODE_DIR / "bin" / "node")
