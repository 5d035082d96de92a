"""TypeScript declarations parsed by oxc-parser, an npm package's napi-rs addon that napi_python
loads like any other: the AST is oxc's ESTree-compatible JSON, read as Python dicts."""

from __future__ import annotations

import json
import os
from collections.abc import Sequence
from pathlib import Path
from typing import Any, cast

from ..addon import close
from ..errors import AddonNotFoundError
from ..packages.require import require

__all__ = ["ParseError", "parse_declarations", "parse_text"]

# The package whose binding parses (its platform package, @oxc-parser/binding-<platform>, is
# what `require` finds and loads).
PARSER_PACKAGE = "oxc-parser"


def _message(error: Any) -> str:
    # oxc's diagnostics are plain objects (dicts here) with a `message`.
    if isinstance(error, dict):
        return str(cast("dict[str, Any]", error)["message"])
    return str(error.message)


class ParseError(ValueError):
    """The declarations file does not parse as TypeScript."""


def parse_declarations(
    path: Path, parser_paths: Sequence[str | os.PathLike[str]] = ()
) -> tuple[dict[str, Any], list[dict[str, Any]], str]:
    """The AST (an ESTree ``Program`` with TS-ESTree nodes) of the ``.d.ts`` file ``path``, its
    comments (``{"type", "value", "start", "end"}``) and its text.

    oxc-parser is looked for from ``parser_paths``, then from the declarations' own folder
    upwards (a project that installed the addon package usually has it beside), then as
    ``require`` looks (the calling script's and the current directory)."""
    return parse_text(path.read_text(encoding="utf-8"), path, parser_paths)


def parse_text(
    source: str, path: Path, parser_paths: Sequence[str | os.PathLike[str]] = ()
) -> tuple[dict[str, Any], list[dict[str, Any]], str]:
    """``parse_declarations`` of ``source``, as the text of a file at ``path`` (which names it
    in errors and is where oxc-parser is looked for from)."""
    try:
        parser = require(PARSER_PACKAGE, [*parser_paths, path.parent], isolated=False)
    except AddonNotFoundError as e:
        raise AddonNotFoundError(
            f"the stub generator parses TypeScript with the npm package {PARSER_PACKAGE!r}: install it "
            f"(python -m napi_python install {PARSER_PACKAGE}, or npm install {PARSER_PACKAGE} in or above "
            f"the current directory), or pass its folder (--parser-path)\n{e}",
            e.searched,
        ) from None
    try:
        # lang "dts": declarations only (no bodies), as tsc reads a .d.ts file.
        result = parser.parseSync(path.name, source, {"lang": "dts", "sourceType": "module"})
        errors = result.errors
        comments: list[dict[str, Any]] = list(result.comments)
        # `program` is JSON text: {"node": Program, "fixes": [...]}; the fixes turn BigInt and
        # RegExp literals into values, which declarations do not need.
        program: dict[str, Any] = json.loads(result.program)["node"]
    finally:
        # Not parser.close(): that attribute is deprecated (an export could hide it) and warns.
        close(parser)
    if errors:
        messages = "; ".join(_message(e) for e in errors)
        raise ParseError(f"{path}: {messages}")
    return program, comments, source
