"""The docs point at what is there.

`docs/architecture.md` walks a contributor through the code, so every path and code name it puts
in backticks must exist in this checkout, and every decision `Dnn` cited in a tracked file must be
a record of `docs/decisions.md`, which stays under 900 lines.

Paths (a span with a `/` or a file suffix) are read from the repository root; a bare one such as
`serve.rs` or `ops/` from a folder the same table row, list item or paragraph names (a crate, by
name or folder, and its `src/`; a named file's folder and crate), or if it names none, that its
section names.

Names are found by their definition in the Rust and Python sources (tests aside):
- `Name` (also `Name<T>`): a `fn`, `struct`, `enum`, `trait`, `type`, `const`, `static`, `mod`,
  `def` or `class` of that name, or a module (`name.rs`, `name.py`, `name.pyi`, a package folder);
- `module::Name`, `crate::module::Name` (a crate by its library name, `napi_host`): `Name`
  defined in that module's file; `package.module` (`napi_python._native`): that module;
- `Type::member` and `Type.member`: `member` defined in an `impl` or `class` of `Type`, or a
  variant of `enum Type`;
- a name followed by a file in parentheses, `Name` (`path`) or (`Name`, `path`), must be defined
  in that file, and a crate followed by a folder must live in that folder.
Spans with spaces, parentheses, `=` or `*` are code examples or patterns, and Python keywords
and `NOT_CODE_NAMES` are words, not names.
"""

from __future__ import annotations

import keyword
import re
import subprocess
from dataclasses import dataclass
from functools import cache
from pathlib import Path

import pytest
from conftest import ROOT

pytestmark = pytest.mark.either_mode

DOCS = ROOT / "docs"
ARCHITECTURE = DOCS / "architecture.md"
DECISIONS = DOCS / "decisions.md"

# Words in backticks that name nothing of this project's code: the example addon's export,
# Node-API's callback of async work, a state in napi-exports.txt.
NOT_CODE_NAMES = {"add", "execute", "implemented"}

SOURCE_SUFFIXES = (".rs", ".py", ".pyi")
FILE_SUFFIX = re.compile(r"\.(rs|py|pyi|c|h|txt|tsv|md|toml|json)$")
IDENT = r"[A-Za-z_][A-Za-z0-9_]*"
NAME = re.compile(rf"^{IDENT}((::|\.){IDENT})*$")


@dataclass
class Span:
    text: str
    line: int
    after: str  # the rest of the block after the span
    before: str  # the block up to the span


@dataclass
class Block:
    """A table row, a list item or a paragraph of a markdown file."""

    section: str
    spans: list[Span]


def blocks(path: Path) -> list[Block]:
    found: list[Block] = []
    section = ""
    current: list[tuple[int, str]] = []

    def close() -> None:
        if current:
            text = "\n".join(line for _, line in current)
            starts = [0]
            for _, line in current:
                starts.append(starts[-1] + len(line) + 1)
            spans = []
            for m in re.finditer(r"`([^`\n]+)`", text):
                index = max(i for i, start in enumerate(starts[:-1]) if start <= m.start())
                spans.append(Span(m.group(1), current[index][0], text[m.end() :], text[: m.start()]))
            found.append(Block(section, spans))
            current.clear()

    in_fence = False
    for number, line in enumerate(path.read_text().splitlines(), 1):
        if line.startswith("```"):
            in_fence = not in_fence
        if in_fence or not line.strip():
            close()
        elif line.startswith("#"):
            close()
            section = line
        elif line.startswith("|") or re.match(r"\s*(-|\d+\.)\s", line):
            close()
            current.append((number, line))
            if line.startswith("|"):
                close()
        else:
            current.append((number, line))
    close()
    return found


def tracked(*patterns: str) -> list[str]:
    """The tracked files matching `patterns` (every tracked file without any), relative to the
    root."""
    return subprocess.run(
        ["git", "ls-files", *patterns], cwd=ROOT, capture_output=True, text=True, check=True
    ).stdout.split()


@cache
def sources() -> list[Path]:
    """The tracked Rust and Python files, tests aside, relative to the root."""
    listed = tracked(*(f"*{suffix}" for suffix in SOURCE_SUFFIXES))
    return [Path(p) for p in listed if not p.startswith("tests/") and "node_modules" not in p]


@cache
def text_of(path: Path) -> str:
    return (ROOT / path).read_text()


@cache
def crates() -> dict[str, Path]:
    """Every crate by package name and by library name -> its folder."""
    found: dict[str, Path] = {}
    for manifest in tracked("*Cargo.toml"):
        section = ""
        names: dict[str, str] = {}
        for line in (ROOT / manifest).read_text().splitlines():
            if line.startswith("["):
                section = line.strip()
            elif m := re.match(r'name\s*=\s*"([^"]+)"', line):
                names.setdefault(section, m.group(1))
        if "[package]" in names:
            folder = Path(manifest).parent
            found[names["[package]"]] = folder
            found[names.get("[lib]", names["[package]"].replace("-", "_"))] = folder
    return found


def crate_of(path: Path) -> Path | None:
    """The folder of the crate `path` (relative to the root) belongs to."""
    folders = set(crates().values())
    return next((folder for folder in [path, *path.parents] if folder in folders), None)


def folders_named(block: Block) -> list[Path]:
    """The folders a block names: crates (by name or folder) and their `src/`, the folders of the
    files it names and their crates."""
    folders: list[Path] = []
    for span in block.spans:
        if span.text in crates():
            named = crates()[span.text]
        elif (ROOT / span.text).exists() and ("/" in span.text or FILE_SUFFIX.search(span.text)):
            named = Path(span.text) if (ROOT / span.text).is_dir() else Path(span.text).parent
        else:
            continue
        folders.append(named)
        crate = crate_of(named)
        if crate is not None:
            folders += [crate, crate / "src"]
    return folders


def is_path(text: str) -> bool:
    return "/" in text or bool(FILE_SUFFIX.search(text))


def resolve_path(text: str, block: Block, section: list[Block]) -> tuple[Path | None, list[Path]]:
    """The path `text` names, and the folders it was looked for in."""
    bases = [Path(".")]
    if not text.startswith(("/", "~")):
        nearby = folders_named(block) or [f for b in section for f in folders_named(b)]
        bases += list(dict.fromkeys(nearby))
    for base in bases:
        if (ROOT / base / text).exists():
            return base / text, bases
    return None, bases


def strip_code(text: str) -> str:
    """Rust or Python text without comments and string literals, for counting braces."""
    text = re.sub(r'"(?:\\.|[^"\\\n])*"', '""', text)
    text = re.sub(r"'(?:\\.|[^'\\\n])'", "''", text)
    return re.sub(r"(//|#).*", "", text)


def body_after(text: str, start: int) -> str:
    """The text of the `{ ... }` (Rust) or the indented block (Python) that opens at `start`."""
    if text[start - 1] == "{":
        depth = 1
        for i in range(start, len(text)):
            depth += {"{": 1, "}": -1}.get(text[i], 0)
            if depth == 0:
                return text[start:i]
        return text[start:]
    lines = text[start:].splitlines()[1:]
    body = []
    for line in lines:
        if line.strip() and not line.startswith((" ", "\t")):
            break
        body.append(line)
    return "\n".join(body)


def definitions(name: str, files: list[Path]) -> list[str]:
    """Where `name` is defined in `files`, as `path:line`, modules included."""
    rust = re.compile(
        rf"\b(fn|struct|enum|trait|type|const|static|mod|union)\s+{re.escape(name)}\b"
        rf'|macro_rules!\s*{re.escape(name)}\b|#\[pyclass\([^)]*name\s*=\s*"{re.escape(name)}"'
    )
    python = re.compile(rf"^\s*(async\s+def|def|class)\s+{re.escape(name)}\b|^{re.escape(name)}\s*(:[^=\n]*)?=", re.M)
    found = []
    for path in files:
        if path.stem == name or name in path.parent.parts[-1:]:
            found.append(f"{path if path.stem == name else path.parent} (module)")
        # Both patterns hold the name as written: a file without it is not scanned (the
        # scans of every source for each name were most of this test's time).
        if name not in text_of(path):
            continue
        pattern = rust if path.suffix == ".rs" else python
        for m in pattern.finditer(text_of(path)):
            found.append(f"{path}:{text_of(path).count(chr(10), 0, m.start()) + 1}")
    return list(dict.fromkeys(found))


def member_of(owner: str, member: str, files: list[Path]) -> bool:
    """Whether an `impl`/`class` of `owner` in `files` defines `member`, or `enum owner` has it."""
    for path in files:
        if owner not in text_of(path) or member not in text_of(path):
            continue
        code = strip_code(text_of(path))
        if path.suffix == ".rs":
            heads = re.finditer(rf"\bimpl\b([^{{;]*)\{{|\benum\s+{re.escape(owner)}\b[^{{;]*\{{", code)
        else:
            heads = re.finditer(rf"^\s*class\s+{re.escape(owner)}\b[^\n]*:", code, re.M)
        for head in heads:
            if path.suffix == ".rs" and head.group(1) is not None:
                target = re.sub(r"^\s*<[^{]*?>\s*", "", head.group(1)).split(" for ")[-1]
                if re.match(rf"\s*(?:[\w:]+::)?{re.escape(owner)}\b", target) is None:
                    continue
            body = body_after(code, head.end())
            if head.group(0).lstrip().startswith("enum"):
                if re.search(rf"^\s*{re.escape(member)}\b\s*[,({{]?", body, re.M):
                    return True
            elif re.search(rf"\b(fn|const|type|def)\s+{re.escape(member)}\b", body):
                return True
    return False


def module_files(parts: list[str], files: list[Path], scope: str) -> tuple[list[Path], list[str], str]:
    """Narrows `files` to the module `parts[0]::parts[1]::...` names, as far as modules go; returns
    them, the parts left and where that is."""
    while len(parts) > 1:
        inner = [
            p for p in files if p.stem == parts[0] or (p.stem in ("mod", "__init__") and p.parent.name == parts[0])
        ]
        if not inner:
            break
        folders = {p.with_suffix("") if p.stem == parts[0] else p.parent for p in inner}
        below = [p for p in files if any(folder in p.parents for folder in folders)]
        files, parts = inner + below, parts[1:]
        scope = "module " + ", ".join(sorted(str(p) for p in inner))
    return files, parts, scope


def check_name(span: Span, block: Block, section: list[Block]) -> str | None:
    """Why `span`, a name, is not what architecture.md says, or None."""
    text = re.sub(r"<[^>]*>$", "", span.text)
    where = f"docs/architecture.md:{span.line}: `{span.text}`"
    if text in crates():
        paired = re.match(r"\s*\(`([^`]+/)`\)", span.after)
        if paired and Path(paired.group(1).rstrip("/")) != crates()[text]:
            return f"{where} is the crate in {crates()[text]}/, not in {paired.group(1)}"
        return None
    if "-" in text:
        return f"{where} names no crate of the workspace (crates: {sorted(n for n in crates() if '-' in n)})"
    if not NAME.match(text) or keyword.iskeyword(text) or text in NOT_CODE_NAMES:
        return None
    files = sources()
    scope = "the workspace"
    paired = re.match(r"\s*\(`([^`]+)`\)", span.after) or (
        re.search(r"\(\s*$", span.before) and re.match(r",\s*`([^`]+)`\)", span.after)
    )
    if paired and FILE_SUFFIX.search(paired.group(1)):
        file, looked = resolve_path(paired.group(1), block, section)
        if file is None:
            return f"{where}: its file `{paired.group(1)}` does not exist (looked in {looked})"
        files, scope = [file], str(file)
    parts = re.split(r"::|\.", text)
    if parts[0] in crates() and "::" in text:
        crate = crates()[parts[0]]
        files = [p for p in files if crate in p.parents]
        scope, parts = f"crate {parts[0]} ({crate}/)", parts[1:]
    files, parts, scope = module_files(parts, files, scope)
    if len(parts) == 1:
        if definitions(parts[0], files):
            return None
        elsewhere = definitions(parts[0], sources())
        return f"{where}: nothing named `{parts[0]}` is defined in {scope}" + (
            f"; it is defined at {', '.join(elsewhere[:3])}" if elsewhere else ""
        )
    owner, member = parts[-2], parts[-1]
    if member_of(owner, member, files):
        return None
    elsewhere = definitions(member, sources())
    return f"{where}: no `impl`/`class`/`enum` of `{owner}` in {scope} defines `{member}`" + (
        f"; `{member}` is defined at {', '.join(elsewhere[:3])}" if elsewhere else ""
    )


def test_every_path_and_name_architecture_md_gives_exists():
    found = blocks(ARCHITECTURE)
    sections: dict[str, list[Block]] = {}
    for block in found:
        sections.setdefault(block.section, []).append(block)
    problems = []
    checked = 0
    for block in found:
        for span in block.spans:
            text = span.text
            if re.search(r"[\s()=*]", text):
                continue
            checked += 1
            if is_path(text) and text not in crates():
                path, looked = resolve_path(text, block, sections[block.section])
                if path is None:
                    problems.append(
                        f"docs/architecture.md:{span.line}: `{text}` does not exist "
                        f"(looked in {', '.join(str(b) for b in looked)})"
                    )
            elif (problem := check_name(span, block, sections[block.section])) is not None:
                problems.append(problem)
    assert checked > 50, f"only {checked} spans read from {ARCHITECTURE}: is the parser still right?"
    assert problems == [], "architecture.md names what is not there:\n" + "\n".join(problems)


def tracked_text_files() -> list[tuple[Path, str]]:
    """Every tracked file that reads as text, vendored packages aside, and its text."""
    found = []
    for name in tracked():
        path = ROOT / name
        if "node_modules" in name or not path.is_file():
            continue
        try:
            found.append((Path(name), path.read_text()))
        except UnicodeDecodeError:
            continue
    return found


def test_every_decision_cited_anywhere_is_a_record():
    """Code, tests, scripts and docs cite decisions by number; each must still be a record. A
    folded record's number is named only in the heading of the record that replaced it ("replaces")."""
    records = set(re.findall(r"^## (D\d+)\.", DECISIONS.read_text(), re.M))
    assert len(records) > 20, f"no records found in {DECISIONS}"
    replaced = re.compile(r"\breplaces D\d+(?:(?:, | and )D\d+)*")
    missing = []
    files = tracked_text_files()
    assert any(name.parts[0] == "scripts" for name, _ in files), "the scripts were not read"
    for name, text in files:
        for number, line in enumerate(text.splitlines(), 1):
            if name == Path("docs/decisions.md") and line.startswith("## "):
                line = replaced.sub("", line)
            for cited in re.findall(r"\bD\d+\b", line):
                if cited not in records:
                    missing.append(f"{name}:{number} cites {cited}, which has no record in docs/decisions.md")
    assert missing == [], "\n".join(missing)


def test_decisions_stay_a_short_read():
    """The records are read whole by whoever changes what they decide: under 900 lines."""
    lines = len(DECISIONS.read_text().splitlines())
    assert lines < 900, f"docs/decisions.md has {lines} lines; fold or tighten records (figures go to performance.md)"


# The project's tracker's issue numbers mean nothing to a reader of the repository: a comment
# says its reason. Another project's tracker, named, may be cited.
ISSUE_CITED = re.compile(r"(?<!rust-clippy )\b[Ii]ssues? \d+")
# Vendored code cites its own tracker, and decisions.md's headings name the issue that asked.
ISSUES_MAY_BE_CITED = ("server/libuv/libuv/", "docs/decisions.md")


def test_no_comment_cites_an_issue_number():
    cited = [
        f"{name}:{number}: {line.strip()}"
        for name, text in tracked_text_files()
        if not str(name).startswith(ISSUES_MAY_BE_CITED)
        for number, line in enumerate(text.splitlines(), 1)
        if ISSUE_CITED.search(line)
    ]
    assert cited == [], "say the reason instead of the issue:\n" + "\n".join(cited)
