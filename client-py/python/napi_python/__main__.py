"""The command line, ``python -m napi_python``:

- ``inspect FILE.node|PACKAGE [--json] [--no-sandbox]``: see ``inspection``. Exit status: 0 when
  the addon loaded, 1 when it did not, 2 when the file cannot be read as an ELF shared library,
  the package's binary cannot be found, or napi-hostd cannot be run.
- ``install NAME[@RANGE]... [--dir DIR]``: see ``npm.install``. Exit status: 0 when every package
  is in place with a Node-API binary ``require`` finds, 1 when one could not be installed or has
  no such binary (the message says why: an install script napi_python did not run, what it
  would have fetched or built).
- ``stubs PACKAGE [-o OUT] [--path DIR] [--parser-path DIR]``: see ``stubgen``. Writes a ``.pyi``
  of the package's exports from its TypeScript declarations (to standard output, or OUT: a
  ``.pyi`` file, else a folder to write ``<module>.pyi`` into). Exit status 2 when the package,
  its declarations or the parser cannot be found or read.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from pathlib import Path

from .binary.elf import ElfError
from .binary.macho import MachOError
from .errors import AddonLoadError, AddonNotFoundError, InstallError
from .hosts import file_checks
from .inspection import format_report, inspect_addon
from .machine import current_platform
from .npm import Installed, install
from .packages.install_hints import no_binary_reason
from .packages.require import resolve
from .stubgen import ParseError, generate_stub, stub_module_name


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
    inspect.add_argument(
        "file", help="the .node file, or an installed npm package's name (its binary, as require finds it)"
    )
    inspect.add_argument("--json", action="store_true", help="print the report as JSON")
    inspect.add_argument("--no-sandbox", action="store_true", help="load it in a host without the sandbox")
    installer = commands.add_parser(
        "install",
        help="install npm packages and their binaries, without node or npm",
        description="Downloads npm packages and the platform packages holding their binaries for this "
        "machine from the npm registry npm's configuration names (.npmrc, NPM_CONFIG_REGISTRY), checks "
        "their integrity and unpacks them into the cache require() searches, or into DIR/node_modules.",
    )
    installer.add_argument(
        "packages", nargs="+", metavar="NAME[@RANGE]", help="e.g. @node-rs/bcrypt, sharp@^0.33, left-pad@1.3.0"
    )
    installer.add_argument("--dir", help="install into DIR/node_modules instead of the cache (and read DIR's .npmrc)")
    installer.add_argument(
        "--platform", help="another platform's binaries, as napi-rs names it (e.g. linux-arm64-musl)"
    )
    stubs = commands.add_parser(
        "stubs",
        help="a .pyi of a package's exports, from its TypeScript declarations",
        description="Writes type stubs (.pyi) for what require(PACKAGE) loads, from the package's "
        "TypeScript declarations (binding.d.ts, package.json types, or index.d.ts), parsed with the "
        "npm package oxc-parser (loaded through napi_python). Use the stub's Exports protocol as "
        'cast("Exports", require(PACKAGE)).',
    )
    stubs.add_argument("package", help="an npm package name or folder, or a .d.ts file")
    stubs.add_argument(
        "-o",
        "--output",
        help="the .pyi file to write, or a folder (made if missing) for <module>.pyi (default: stdout)",
    )
    stubs.add_argument("--path", action="append", default=[], help="search node_modules from here first (repeatable)")
    stubs.add_argument("--parser-path", action="append", default=[], help="search for oxc-parser from here first")
    args = parser.parse_args(argv)
    if args.command == "stubs":
        return _stubs(args)
    if args.command == "install":
        return _install(args.packages, args.dir, args.platform)
    return _inspect(args.file, args.json, not args.no_sandbox)


def _inspect(target: str, as_json: bool, sandbox: bool) -> int:
    try:
        if not os.path.exists(target) and not target.startswith((".", "/")) and not target.endswith(".node"):
            target = resolve(target)
        report = inspect_addon(target, sandbox=sandbox)
    except (ElfError, MachOError, OSError, AddonLoadError) as e:
        print(f"napi_python inspect: {e}", file=sys.stderr)
        return 2
    print(json.dumps(report, indent=2) if as_json else format_report(report))
    return 0 if report["load"]["loaded"] else 1


def _install(packages: list[str], folder: str | None, platform: str | None) -> int:
    status = 0
    for spec in packages:
        try:
            done = install(spec, dir=folder, platform=platform)
        except (InstallError, OSError) as e:
            # OSError: the target folder or the cache cannot be written (permissions, disk full).
            print(f"napi_python install: {e}", file=sys.stderr)
            return 1
        for item in done:
            what = f"{item.name}@{item.version}" + (
                f" (platform package of {item.platform_of})" if item.platform_of else ""
            )
            if item.downloaded:
                print(f"installed {what} in {item.path}")
            else:
                print(f"{what} is already installed in {item.path}: nothing to do")
            binary = _has_binary(item, platform, quiet=True) if item is done[0] else True
            for script in item.scripts:
                # A script of the package's own whose work is not known is worth a word only
                # when the binary is missing: it may be what makes it.
                if not script.known and binary:
                    continue
                which = f"{script.stage} script" + (" (npm's default for a binding.gyp)" if script.implied else "")
                print(
                    f"napi_python install: {item.name}@{item.version}: its {which} was not run "
                    f"(napi_python runs no package scripts): `{script.command}` would {script.effect}",
                    file=sys.stderr,
                )
        if not _has_binary(done[0], platform):
            status = 1
    return status


def _has_binary(item: Installed, platform: str | None, quiet: bool = False) -> bool:
    """Whether ``require`` finds a Node-API binary of the package just installed; if not, says so
    (unless ``quiet``): its files are in place, but there is nothing to load."""
    try:
        path = resolve(str(item.path), platform=platform)
    except AddonNotFoundError as e:
        if quiet:
            return False
        where = platform or current_platform()
        why = no_binary_reason(e.searched, bool(item.scripts))
        print(
            f"napi_python install: {item.name}@{item.version} has no Node-API binary for {where}: {why}; "
            f"require({item.name!r}) will fail (its files are in {item.path})",
            file=sys.stderr,
        )
        return False
    if platform is None or platform == current_platform():
        # A binary for node alone (V8's ABI, or Node-API with V8 imports) is refused at load:
        # said now, not at the first require().
        try:
            file_checks.checked(path)
        except AddonLoadError as e:
            if not quiet:
                print(f"napi_python install: {item.name}@{item.version}: {e}", file=sys.stderr)
            return False
    return True


def _stubs(args: argparse.Namespace) -> int:
    try:
        text = generate_stub(args.package, args.path, parser_paths=args.parser_path)
    except (AddonLoadError, OSError, ParseError) as e:
        print(f"napi_python stubs: {e}", file=sys.stderr)
        return 2
    if args.output is None:
        sys.stdout.write(text)
        return 0
    out = Path(args.output)
    if out.suffix != ".pyi":
        # A folder (made if missing): the stub is <module>.pyi in it.
        out.mkdir(parents=True, exist_ok=True)
        out = out / f"{stub_module_name(args.package)}.pyi"
    out.write_text(text, encoding="utf-8")
    print(f"wrote {out}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
