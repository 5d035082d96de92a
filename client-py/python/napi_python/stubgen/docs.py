"""JSDoc comments (``/** ... */``) of a declarations file, as docstrings of what they precede.

oxc-parser reports comments apart from the AST, each with its offsets; a JSDoc block belongs
to the node that starts after it with only whitespace between (napi-rs writes a Rust item's
doc comment so)."""

from __future__ import annotations

from bisect import bisect_right

from .types import Node

__all__ = ["Docs", "docstring"]


class Docs:
    def __init__(self, comments: list[Node], source: str) -> None:
        blocks = sorted(
            (int(c["end"]), str(c["value"]))
            for c in comments
            if c.get("type") == "Block" and str(c.get("value", "")).startswith("*")
        )
        self.ends = [end for end, _ in blocks]
        self.texts = [text for _, text in blocks]
        self.source = source

    def before(self, node: Node | None) -> str | None:
        """The JSDoc text right before ``node`` (None when there is none)."""
        start = node.get("start") if node else None
        if not isinstance(start, int):
            return None
        i = bisect_right(self.ends, start) - 1
        # Offsets are JS string indices; in a file with characters beyond the BMP they drift
        # from Python's, and then the gap is not blank: no docstring rather than a wrong one.
        if i < 0 or self.source[self.ends[i] : start].strip():
            return None
        return _clean(self.texts[i]) or None


def _clean(value: str) -> str:
    """The text of a ``/** ... */`` block without its leading asterisks."""
    lines: list[str] = []
    for line in value[1:].split("\n"):
        line = line.strip()
        if line.startswith("*"):
            line = line[1:]
            line = line[1:] if line.startswith(" ") else line
        lines.append(line.rstrip())
    return "\n".join(lines).strip()


def docstring(text: str, indent: str = "") -> str:
    """``text`` as a docstring literal, continuation lines indented by ``indent``."""
    text = text.replace("\\", "\\\\").replace('"""', '\\"\\"\\"')
    if text.endswith('"'):
        text += " "
    lines = text.split("\n")
    if len(lines) == 1:
        return f'"""{text}"""'
    body = "\n".join(indent + line if line else line for line in lines[1:])
    return f'"""{lines[0]}\n{body}\n{indent}"""'
