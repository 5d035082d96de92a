"""Type stubs (``.pyi``) for an npm package's addon, from the TypeScript declarations it ships:
``python -m napi_python stubs PACKAGE [-o OUT]``.

The declarations are parsed by a real TypeScript parser, oxc-parser's napi-rs addon, loaded
through napi_python itself (``parse``); the AST is mapped to the Python types napi_python's
conversions give (``types``) and written as a module with an ``Exports`` protocol (``emit``).
"""

from __future__ import annotations

import json
import os
import textwrap
from collections.abc import Sequence
from pathlib import Path

from ..errors import AddonNotFoundError
from ..packages.require import resolve
from ..packages.search import _find_package, _read_package_json, _Search, _search_roots
from .binding_exports import UNTYPED_TEMPLATE, JSWrapper, binding_exports, fit_to_binding, js_wrapper
from .emit import write_stub
from .parse import ParseError, parse_declarations, parse_text

__all__ = ["ParseError", "declarations_file", "generate_stub", "stub_module_name"]


def declarations_file(package: str, paths: Sequence[str | os.PathLike[str]] | None = None) -> tuple[Path, str]:
    """The ``.d.ts`` file that describes what ``require(package)`` loads, and the package's
    ``name@version`` (or the file's name when ``package`` is a ``.d.ts`` path).

    ``require`` loads a package's native binding, not its JavaScript: when the package has a
    ``binding.d.ts`` (napi-rs ``--dts binding.d.ts``, used when ``index.js`` wraps the binding)
    that is the one; else the ``types``/``typings`` of package.json, else ``index.d.ts``."""
    if package.endswith(".d.ts"):
        path = Path(package)
        if not path.is_file():
            raise FileNotFoundError(f"no such declarations file: {package}")
        return path.resolve(), path.name
    pkg = _package_folder(package, paths)
    meta = _read_package_json(pkg)
    candidates = ["binding.d.ts", meta.get("types"), meta.get("typings"), "index.d.ts"]
    for candidate in candidates:
        if isinstance(candidate, str) and (pkg / candidate).is_file():
            label = f"{meta.get('name', package)}@{meta.get('version', '?')}"
            return (pkg / candidate).resolve(), label
    raise FileNotFoundError(
        f"{package} ({pkg}) ships no TypeScript declarations: no binding.d.ts, index.d.ts, or "
        "package.json types/typings; pass a .d.ts file instead"
    )


def _package_folder(package: str, paths: Sequence[str | os.PathLike[str]] | None) -> Path:
    """The folder of the package ``package`` names, found as ``require`` finds it."""
    search = _Search()
    if package.startswith((".", "/")):
        pkg: Path | None = Path(package).resolve() if Path(package).is_dir() else None
    else:
        pkg = _find_package(package, _search_roots(paths), search)
    if pkg is None:
        where = "\n  ".join(search.places)
        raise AddonNotFoundError(f"cannot find the npm package {package!r}; looked at:\n  {where}", search.places)
    return pkg


def stub_module_name(package: str) -> str:
    """A module name for a package's stub: ``@node-rs/crc32`` -> ``node_rs_crc32``."""
    base = Path(package).name.removesuffix(".d.ts") if package.endswith(".d.ts") else package
    cleaned = "".join(c if c.isalnum() else "_" for c in base.lstrip("@")).strip("_")
    return cleaned if cleaned and not cleaned[0].isdigit() else f"_{cleaned}"


def generate_stub(
    package: str,
    paths: Sequence[str | os.PathLike[str]] | None = None,
    *,
    parser_paths: Sequence[str | os.PathLike[str]] = (),
) -> str:
    """The ``.pyi`` text for the exports of ``package`` (an npm package name or folder, or a
    ``.d.ts`` file), found as ``require`` finds it (``paths`` first). The parser, oxc-parser, is
    looked for from ``parser_paths``, then ``paths``, then as ``parse_declarations`` says."""
    dts, label = declarations_file(package, paths)
    # oxc-parser is often installed beside the package: look where the package was looked for.
    parser_search = [*parser_paths, *(paths or ())]
    program, comments, source = parse_declarations(dts, parser_search)
    wrapper = None if package.endswith(".d.ts") else js_wrapper(_package_folder(package, paths), dts)
    about = f"from its {dts.name}"
    why = ""
    if wrapper is not None:
        template, _, _ = parse_text(UNTYPED_TEMPLATE, dts.with_name("untyped.d.ts"), parser_search)
        exports = binding_exports(resolve(package, paths))
        program, untyped, dropped = fit_to_binding(program, exports, wrapper, template)
        about = f"from its {dts.name} fitted to its binding"
        why = "\n\n" + _wrapper_note(label, dts, wrapper, untyped, dropped)
    header = (
        f"Types of the exports of {label}, {about}.{why}\n\n"
        f"Written by `python -m napi_python stubs {package}`. Use:\n\n"
        "    if TYPE_CHECKING:\n"
        f"        from {stub_module_name(package)} import Exports\n"
        # A string literal of the name or path (a Windows path's backslashes doubled).
        f'    addon = cast("Exports", require({json.dumps(package, ensure_ascii=False)}))'
    )
    return write_stub(program, header, comments, source)


def _wrapper_note(label: str, dts: Path, wrapper: JSWrapper, untyped: list[str], dropped: list[str]) -> str:
    """What the docstring says of declarations that describe a JavaScript wrapper."""
    parts = [
        f"{label}'s declarations ({dts.name}) describe its JavaScript wrapper ({wrapper.main}, around "
        f"{wrapper.loader}), not the binding require() loads, which may take and return other things (JSON the "
        "wrapper parses, options it fills in). Fitted to the binding, loaded: the members the wrapper leaves "
        "alone keep their declared types (they are the binding's)."
    ]
    if untyped:
        parts.append(
            "Typed Any, as nothing declares the binding's own (the wrapper defines them again, or only the "
            f"binding has them): {', '.join(untyped)}."
        )
    if dropped:
        parts.append(f"Left out, the wrapper's own (the binding has none): {', '.join(dropped)}.")
    return "\n\n".join(textwrap.fill(p, width=100) for p in parts)
