"""Safe YAML loading that remembers where every key came from.

Validation errors must name the line of the offending key, which plain ``yaml.safe_load`` loses.
Only the safe constructors run, so tags such as ``!!python/object`` are refused, never built.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from tuner_cli.errors import ConfigError, KeyPath, quoted

MAX_CONFIG_BYTES = 1_000_000
MAX_NODES = 100_000
MAX_DEPTH = 50
MERGE_TAG = "tag:yaml.org,2002:merge"


@dataclass
class YamlDocument:
    """A parsed document plus the line of each key path, for error messages."""

    data: Any
    source: str
    lines: dict[KeyPath, int] = field(default_factory=dict)

    def line_of(self, path: KeyPath) -> int | None:
        """The line of ``path`` (a list item's is the line it starts on); else the line of its
        nearest ancestor that has one."""
        if path and path not in self.lines and isinstance(path[-1], int):
            inside = [line for key, line in self.lines.items() if key[: len(path)] == path]
            if inside:
                return min(inside)
        for end in range(len(path), -1, -1):
            if path[:end] in self.lines:
                return self.lines[path[:end]]
        return None


def load_yaml_file(path: Path) -> YamlDocument:
    source = str(path)
    try:
        size = path.stat().st_size
        if size > MAX_CONFIG_BYTES:
            raise ConfigError(
                f"the file is {size:,} bytes; a config must be under {MAX_CONFIG_BYTES:,}",
                source=source,
            )
        raw = path.read_bytes()
    except FileNotFoundError:
        raise ConfigError("no such file", source=source) from None
    except IsADirectoryError:
        raise ConfigError("is a directory, not a config file", source=source) from None
    except PermissionError:
        raise ConfigError("permission denied", source=source) from None
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = raw[: exc.start].count(b"\n") + 1
        raise ConfigError("the file is not valid UTF-8 text", source=source, line=line) from None
    return load_yaml_text(text, source)


class _DepthLimitedLoader(yaml.SafeLoader):
    """Stops at the first node nested deeper than ``MAX_DEPTH``. PyYAML's pure-Python scanner
    slows quadratically with the depth of ``[[[...`` flow collections (two seconds for a 6 KB
    file), so a too-deep document must be refused while it is read, not after."""

    depth = 0

    def compose_node(self, parent: yaml.Node | None, index: Any) -> yaml.Node | None:
        self.depth += 1
        try:
            if self.depth > MAX_DEPTH + 1:  # the top-level node is at depth 1
                raise _TooDeep(self.peek_event().start_mark.line + 1)
            return super().compose_node(parent, index)
        finally:
            self.depth -= 1


# YAML 1.1, which PyYAML reads, takes a float only with a dot and a signed exponent, so
# `1e-3`, `1E-2` and `1.0e3` were strings: a learning rate of text in a choice, a template
# argument or an initial point. YAML 1.2 (and every editor the schema serves) reads them as
# numbers; so does kt-run. Quoted ('1e-3') they stay text.
_DepthLimitedLoader.add_implicit_resolver(
    "tag:yaml.org,2002:float",
    re.compile(r"^[-+]?(?:[0-9][0-9_]*(?:\.[0-9_]*)?|\.[0-9_]+)[eE][-+]?[0-9]+$"),
    list("-+.0123456789"),
)


class _TooDeep(Exception):
    def __init__(self, line: int):
        self.line = line


def load_yaml_text(text: str, source: str = "<string>") -> YamlDocument:
    try:
        node = yaml.compose(text, Loader=_DepthLimitedLoader)
    except _TooDeep as exc:
        raise ConfigError(
            f"the document is nested too deeply (more than {MAX_DEPTH} levels)",
            source=source,
            line=exc.line,
        ) from None
    except yaml.MarkedYAMLError as exc:
        line = exc.problem_mark.line + 1 if exc.problem_mark else None
        problem = exc.problem or "invalid YAML"
        if exc.context and exc.context_mark and exc.context_mark.line + 1 != line:
            problem += f" ({exc.context} that starts at line {exc.context_mark.line + 1})"
        if "\t" in problem or "\\t" in problem or "tab" in problem:
            problem += " (YAML does not allow tabs for indentation; use spaces)"
        elif problem.startswith("mapping values are not allowed"):
            # PyYAML's words for a key indented unlike the keys above it, or a ': ' in a value
            problem += (
                " (check this line's indentation against the keys above it; a value holding "
                "': ' needs quotes)"
            )
        raise ConfigError(f"YAML syntax error: {problem}", source=source, line=line) from None
    except yaml.reader.ReaderError as exc:
        code = exc.character
        escape = f"\\x{code:02x}" if code < 0x100 else f"\\u{code:04x}"
        raise ConfigError(
            f"YAML syntax error: the character U+{code:04X} is not allowed in YAML: delete "
            f'it, or write it as "{escape}" inside a double-quoted string',
            source=source,
            line=_line_at(text, exc.position),
        ) from None
    except yaml.YAMLError as exc:
        raise ConfigError(f"YAML syntax error: {exc}", source=source) from None
    document = YamlDocument(data=None, source=source)
    if node is None:
        raise ConfigError("the file is empty", source=source)
    builder = _Builder(document)
    document.data = builder.build(node, ())
    return document


def _line_at(text: str, position: int) -> int:
    """The line of character ``position``, counted as YAML counts them (so as the lines of
    its other errors): a ReaderError gives only the position."""
    breaks = sum(text.count(mark, 0, position) for mark in ("\n", "\x85", "\u2028", "\u2029"))
    lone_returns = len(re.findall(r"\r(?!\n)", text[:position]))
    return breaks + lone_returns + 1


class _Builder:
    """Turns a node graph into plain data, refusing unsafe tags and alias bombs."""

    def __init__(self, document: YamlDocument):
        self.document = document
        self.constructor = yaml.SafeLoader("")
        self.nodes = 0
        self.merging: set[int] = set()
        """The mappings whose ``<<`` keys are being merged, to refuse a merge of itself."""

    def _error(self, message: str, *, line: int, key_path: KeyPath = ()) -> ConfigError:
        return ConfigError(message, key_path=key_path, source=self.document.source, line=line)

    def build(self, node: yaml.Node, path: KeyPath) -> Any:
        self.nodes += 1
        line = node.start_mark.line + 1
        if self.nodes > MAX_NODES:
            raise self._error(
                f"the document expands to more than {MAX_NODES:,} values (anchors and aliases?)",
                line=line,
            )
        if isinstance(node, yaml.MappingNode):
            return self._mapping(node, path)
        if isinstance(node, yaml.SequenceNode):
            if node.tag != "tag:yaml.org,2002:seq":
                raise self._error(
                    f"tag {node.tag} is not allowed (kt-run only reads plain YAML values)",
                    key_path=path,
                    line=line,
                )
            # an item has no key of its own: its line is where it starts, so an error about
            # it, or about a key it lacks, names that line rather than the list's key
            for i, item in enumerate(node.value):
                self.document.lines.setdefault(path + (i,), item.start_mark.line + 1)
            return [self.build(item, path + (i,)) for i, item in enumerate(node.value)]
        try:
            value = self.constructor.construct_object(node, deep=True)
        except yaml.constructor.ConstructorError as exc:
            raise self._error(
                f"{exc.problem} (kt-run only reads plain YAML values)",
                key_path=path,
                line=line,
            ) from None
        except (ValueError, OverflowError) as exc:
            raise self._error(
                f"cannot read the value {node.value[:40]!r}: {exc}",
                key_path=path,
                line=line,
            ) from None
        if isinstance(value, float) and not math.isfinite(value):
            raise self._error(
                f"{node.value[:40]} is not a finite number",
                key_path=path,
                line=line,
            )
        return value

    def _mapping(self, node: yaml.MappingNode, path: KeyPath) -> dict[str, Any]:
        """Keys in order; ``<<`` merges come first and the mapping's own keys override them
        (YAML's merge rule), while a key written twice in the mapping itself is an error."""
        if node.tag not in ("tag:yaml.org,2002:map",):
            raise self._error(
                f"tag {node.tag} is not allowed (kt-run only reads plain YAML values)",
                key_path=path,
                line=node.start_mark.line + 1,
            )
        result: dict[str, Any] = {}
        own: set[str] = set()
        merges = [(k, v) for k, v in node.value if k.tag == MERGE_TAG]
        self.merging.add(id(node))
        for key_node, value_node in merges:
            for source in self._merge_sources(key_node, value_node, path):
                for key, value in self._mapping(source, path).items():
                    result.setdefault(key, value)
        self.merging.discard(id(node))
        for key_node, value_node in node.value:
            if key_node.tag == MERGE_TAG:
                continue
            key_line = key_node.start_mark.line + 1
            key = self._key(key_node, path)
            if key in own:
                raise self._error("duplicate key", key_path=path + (key,), line=key_line)
            own.add(key)
            self.document.lines[path + (key,)] = key_line
            result[key] = self.build(value_node, path + (key,))
        return result

    def _merge_sources(
        self, key_node: yaml.Node, value_node: yaml.Node, path: KeyPath
    ) -> list[yaml.MappingNode]:
        """The mappings a ``<<`` key merges: one mapping or a list of them, earlier ones first."""
        sources = value_node.value if isinstance(value_node, yaml.SequenceNode) else [value_node]
        if all(isinstance(item, yaml.MappingNode) for item in sources):
            if any(id(item) in self.merging for item in sources):
                raise self._error(
                    "a merge key '<<' refers to a mapping that contains it",
                    key_path=path,
                    line=key_node.start_mark.line + 1,
                )
            return list(sources)
        raise self._error(
            "a merge key '<<' takes a mapping (<<: *anchor) or a list of mappings "
            f"(<<: [*a, *b]), not {_shape(value_node)}",
            key_path=path,
            line=key_node.start_mark.line + 1,
        )

    def _key(self, key_node: yaml.Node, path: KeyPath) -> str:
        key_line = key_node.start_mark.line + 1
        if not isinstance(key_node, yaml.ScalarNode):
            raise self._error("keys must be plain names", key_path=path, line=key_line)
        key = self.build(key_node, path)
        if not isinstance(key, (str, int, float, bool)):
            raise self._error(
                f"keys must be plain names (got {key_node.value or 'null'!r})",
                key_path=path,
                line=key_line,
            )
        return str(key)


def _shape(node: yaml.Node) -> str:
    if isinstance(node, yaml.SequenceNode):
        return "a list of plain values"
    return f"the plain value {quoted(node.value)}"
