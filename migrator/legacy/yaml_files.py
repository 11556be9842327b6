"""Load legacy YAML files safely, keeping line numbers and reporting problems.

PyYAML's libyaml-based `CSafeLoader` parses where it is installed, with the
pure-Python `SafeLoader` as the fallback. Loading goes through the node graph
so that callers get the line of every mapping key, and so that a document
whose aliases would expand to a huge structure is rejected before it is built.
"""

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

try:
    from yaml import CSafeLoader as _Loader
except ImportError:  # pragma: no cover - depends on how PyYAML was built
    from yaml import SafeLoader as _Loader  # type: ignore[assignment]

# Legacy files written by ZenML 0.13 are a few kilobytes; these limits only stop hostile input.
MAX_FILE_BYTES = 16 * 1024 * 1024
MAX_EXPANDED_NODES = 2_000_000
MAX_DEPTH = 64


class YamlFileError(Exception):
    """A YAML file that cannot be used, with a message that names the file."""

    def __init__(self, code: str, message: str, hint: str, line: int | None = None) -> None:
        super().__init__(message)
        self.code = code
        self.message = message
        self.hint = hint
        self.line = line


@dataclass
class YamlDocument:
    """A loaded document, the line of each mapping key, and duplicate keys found."""

    data: Any
    key_lines: dict[tuple[Any, ...], int] = field(default_factory=dict)
    duplicate_keys: list[tuple[tuple[Any, ...], int]] = field(default_factory=list)

    def line_of(self, *path: Any) -> int | None:
        return self.key_lines.get(tuple(path))


def load_yaml_file(path: Path) -> YamlDocument:
    """Read and parse one YAML file.

    Raises `YamlFileError` for a file that is missing, too large, not UTF-8,
    not valid YAML, nested too deeply or expanding to too many nodes.
    """
    try:
        size = path.stat().st_size
    except FileNotFoundError:
        raise YamlFileError("missing-file", f"{path} does not exist", "Restore the file or remove its entry.") from None
    except OSError as error:
        raise YamlFileError("unreadable-file", f"{path} cannot be read: {error.strerror}", "Check its permissions.") from None
    if size > MAX_FILE_BYTES:
        raise YamlFileError(
            "file-too-large",
            f"{path} is {size} bytes, more than the limit of {MAX_FILE_BYTES} bytes for a legacy file",
            "Legacy ZenML files are small; check that this is the right file.",
        )
    try:
        raw = path.read_bytes()
    except OSError as error:
        raise YamlFileError("unreadable-file", f"{path} cannot be read: {error.strerror}", "Check its permissions.") from None
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as error:
        raise YamlFileError(
            "not-utf8",
            f"{path} is not valid UTF-8 (invalid byte at offset {error.start})",
            "Save the file as UTF-8.",
        ) from None
    return parse_yaml_text(text, str(path))


def parse_yaml_text(text: str, name: str) -> YamlDocument:
    """Parse YAML text; `name` is used in error messages."""
    loader = _Loader(text)
    try:
        try:
            node = loader.get_single_node()
        except yaml.MarkedYAMLError as error:
            line = error.problem_mark.line + 1 if error.problem_mark else None
            where = f"{name}:{line}" if line else name
            problem = error.problem or "invalid YAML"
            raise YamlFileError(
                "yaml-syntax",
                f"{where}: invalid YAML: {problem}",
                "Fix the syntax at that line, or restore the file from a backup.",
                line,
            ) from None
        except yaml.YAMLError as error:
            raise YamlFileError("yaml-syntax", f"{name}: invalid YAML: {error}", "Fix the file's syntax.") from None
        if node is None:
            return YamlDocument(data=None)
        document = YamlDocument(data=None)
        _check_size_and_index(node, name, document)
        try:
            document.data = loader.construct_document(node)
        except yaml.constructor.ConstructorError as error:
            line = error.problem_mark.line + 1 if error.problem_mark else None
            raise YamlFileError(
                "yaml-construct",
                f"{name}:{line}: unsupported YAML content: {error.problem}",
                "Legacy ZenML files hold plain mappings, lists and scalars; remove the tagged value.",
                line,
            ) from None
        except (TypeError, ValueError) as error:
            raise YamlFileError("yaml-construct", f"{name}: unsupported YAML content: {error}", "Fix the file.") from None
        return document
    finally:
        loader.dispose()


def _check_size_and_index(root: yaml.Node, name: str, document: YamlDocument) -> None:
    """Reject deep or alias-bombed documents and record key lines of the top two levels."""
    expanded: dict[int, int] = {}

    def expanded_size(node: yaml.Node, depth: int) -> int:
        if depth > MAX_DEPTH:
            raise YamlFileError(
                "too-deep",
                f"{name}:{node.start_mark.line + 1}: nesting deeper than {MAX_DEPTH} levels",
                "Legacy ZenML files are shallow; check that this is the right file.",
                node.start_mark.line + 1,
            )
        known = expanded.get(id(node))
        if known is not None:
            return known
        expanded[id(node)] = 1  # guards against recursive aliases
        total = 1
        if isinstance(node, yaml.MappingNode):
            for key, value in node.value:
                total += expanded_size(key, depth + 1) + expanded_size(value, depth + 1)
        elif isinstance(node, yaml.SequenceNode):
            for item in node.value:
                total += expanded_size(item, depth + 1)
        if total > MAX_EXPANDED_NODES:
            raise YamlFileError(
                "too-many-nodes",
                f"{name}: the document expands to more than {MAX_EXPANDED_NODES} values through aliases",
                "Remove the anchors and aliases; legacy ZenML files do not use them.",
            )
        expanded[id(node)] = total
        return total

    expanded_size(root, 0)
    _index_keys(root, (), document, levels=3)


def _index_keys(node: yaml.Node, prefix: tuple[Any, ...], document: YamlDocument, levels: int) -> None:
    if levels == 0 or not isinstance(node, yaml.MappingNode):
        return
    seen: set[Any] = set()
    for key_node, value_node in node.value:
        if not isinstance(key_node, yaml.ScalarNode):
            continue
        key = key_node.value
        path = (*prefix, key)
        line = key_node.start_mark.line + 1
        if key in seen:
            document.duplicate_keys.append((path, line))
        seen.add(key)
        document.key_lines.setdefault(path, line)
        _index_keys(value_node, path, document, levels - 1)
