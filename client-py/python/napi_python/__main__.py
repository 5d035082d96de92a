"""``python -m napi_python inspect FILE.node [--json] [--no-sandbox]``: see ``inspection``.

Exit status: 0 when the addon loaded, 1 when it did not, 2 when the file cannot be read as an
ELF shared library or napi-hostd cannot be run.
"""

from __future__ import annotations

import argparse
import json
import sys

from .elf import ElfError
from .errors import AddonLoadError
from .inspection import format_report, inspect_addon


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m napi_python", description="Tools for Node-API addons.")
    commands = parser.add_subparsers(dest="command", required=True)
    inspect = commands.add_parser(
        "inspect",
        help="what a .node file needs and exports",
        description="Shows how a .node file registers, its Node-API version, the Node-API functions "
        "it uses and whether napi-hostd implements them, what else it needs from the process, and "
        "its exports (loaded in a sandboxed napi-hostd).",
    )
    inspect.add_argument("file", help="the .node file")
    inspect.add_argument("--json", action="store_true", help="print the report as JSON")
    inspect.add_argument("--no-sandbox", action="store_true", help="load it in a host without the sandbox")
    args = parser.parse_args(argv)
    try:
        report = inspect_addon(args.file, sandbox=not args.no_sandbox)
    except (ElfError, OSError, AddonLoadError) as e:
        print(f"napi_python inspect: {e}", file=sys.stderr)
        return 2
    print(json.dumps(report, indent=2) if args.json else format_report(report))
    return 0 if report["load"]["loaded"] else 1


if __name__ == "__main__":
    sys.exit(main())
