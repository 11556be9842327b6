"""Load legacy YAML files safely, keeping line numbers and reporting problems.

PyYAML's libyaml-based `CSafeLoader` parses where it is installed, with the
pure-Python `SafeLoader` as the fallback. Loading goes through the node graph
so that callers get the line of every mapping key, and so that a document
whose aliases would expand to a huge structure is rejected before it is built.
"""

import errno
import logging
import os
import stat
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

try:
    from yaml import CSafeLoader as _Loader
except ImportError:  # pragma: no cover - depends on how PyYAML was built
    from yaml import SafeLoader as _Loader  # type: ignore[assignment]

log = logging.getLogger(__name__)

# Legacy files written by ZenML 0.13 are a few kilobytes; these limits only stop hostile input.
MAX_FILE_BYTES = 16 * 1024 * 1024
MAX_EXPANDED_NODES = 2_000_000
# Aliases let a small file stand for a huge document: a 1 MB string referenced
# 20,000 times is 20 GB once it is printed or stored, so scalar characters are
# counted through aliases too.
MAX_EXPANDED_CHARACTERS = 4 * MAX_FILE_BYTES
MAX_DEPTH = 64


class YamlFileError(Exception):
    """A YAML file that cannot be used, with a message that names the file."""

    def __init__(self, code: str, message: str, hint: str, line: int | None = None) -> None:
        super().__init__(message)
        self.code = code
        self.message = message
        self.hint = hint
        self.line = line

    def __reduce__(self) -> tuple[Any, ...]:
        # Rebuilt with all four fields when a worker process returns it.
        return (YamlFileError, (self.code, self.message, self.hint, self.line))


@dataclass
class YamlDocument:
    """A loaded document, the line of each mapping key, and duplicate keys found."""

    data: Any
    key_lines: dict[tuple[Any, ...], int] = field(default_factory=dict)
    duplicate_keys: list[tuple[tuple[Any, ...], int]] = field(default_factory=list)

    def line_of(self, *path: Any) -> int | None:
        return self.key_lines.get(tuple(path))


# Profiles with at least this many files are parsed in two processes (see load_yaml_files).
PARALLEL_MIN_FILES = 2_000


def load_yaml_files(paths: list[Path]) -> list[YamlDocument | YamlFileError]:
    """Load many files; return for each its document or the `YamlFileError` that loading it raised.

    With PARALLEL_MIN_FILES files or more, on a machine with several cores
    and in a process that is not itself a worker, a forked child parses the
    first half while this process parses the second. On 2 cores, the 10,000
    files of the largest benchmark profile then load in 0.28 s instead of 0.48 s.
    """
    if len(paths) < PARALLEL_MIN_FILES or not _can_fork_a_worker():
        return _load_each(paths)
    # Imported here: multiprocessing would add to the start-up of every command.
    import multiprocessing
    from concurrent.futures import ProcessPoolExecutor
    from concurrent.futures.process import BrokenProcessPool

    half = len(paths) // 2
    context = multiprocessing.get_context("fork")
    try:
        with ProcessPoolExecutor(max_workers=1, mp_context=context) as pool:
            first = pool.submit(_load_each, paths[:half])
            second = _load_each(paths[half:])
            return first.result() + second
    except (OSError, BrokenProcessPool) as error:  # no process could be started, or it died
        log.debug("Reading the files in one process: the worker process failed: %s", error)
        return _load_each(paths)


def _load_each(paths: list[Path]) -> list[YamlDocument | YamlFileError]:
    results: list[YamlDocument | YamlFileError] = []
    for path in paths:
        try:
            results.append(load_yaml_file(path))
        except YamlFileError as error:
            results.append(error)
    return results


def _can_fork_a_worker() -> bool:
    import multiprocessing

    return (
        (os.cpu_count() or 1) > 1
        and "fork" in multiprocessing.get_all_start_methods()
        and multiprocessing.parent_process() is None  # fleet workers read their sources in parallel already
    )


def load_yaml_file(path: Path) -> YamlDocument:
    """Read and parse one YAML file.

    Raises `YamlFileError` for a file that is missing, not a regular file,
    unreadable, too large, not UTF-8, not valid YAML, nested too deeply or
    expanding to too much through aliases.
    """
    raw = _read_regular_file(path)
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as error:
        raise YamlFileError(
            "not-utf8",
            f"{path} is not valid UTF-8 (invalid byte 0x{raw[error.start]:02x} at byte offset {error.start})",
            "Save the file as UTF-8.",
        ) from None
    return parse_yaml_text(text, str(path))


def _read_regular_file(path: Path) -> bytes:
    """Return the bytes of a regular file of at most MAX_FILE_BYTES.

    The file is opened without blocking and checked with fstat on the open
    descriptor. So a FIFO or device in place of a legacy file is reported
    instead of hanging the reader, even one that replaced the file after a check.
    """
    try:
        descriptor = os.open(path, os.O_RDONLY | os.O_NONBLOCK | getattr(os, "O_CLOEXEC", 0))
    except FileNotFoundError:
        if os.path.islink(path):
            raise YamlFileError(
                "missing-file",
                f"{path} is a symbolic link to {os.readlink(path)}, which does not exist",
                "Replace the link with the file itself.",
            ) from None
        raise YamlFileError("missing-file", f"{path} does not exist", "Restore the file or remove its entry.") from None
    except OSError as error:
        raise _unreadable(path, error) from None
    try:
        info = os.fstat(descriptor)
        if not stat.S_ISREG(info.st_mode):
            raise YamlFileError(
                "not-a-file",
                f"{path} is {describe_file_type(info.st_mode)}, not a regular file",
                "Replace it with the legacy file from a backup.",
            )
        if info.st_size > MAX_FILE_BYTES:
            raise YamlFileError(
                "file-too-large",
                f"{path} is {info.st_size} bytes, more than the limit of {MAX_FILE_BYTES} bytes for a legacy file",
                "Legacy ZenML files are small; check that this is the right file.",
            )
        chunks: list[bytes] = []
        size = 0
        while size <= MAX_FILE_BYTES:
            chunk = os.read(descriptor, 1024 * 1024)
            if not chunk:
                break
            chunks.append(chunk)
            size += len(chunk)
        if size > MAX_FILE_BYTES:  # the file grew after fstat
            raise YamlFileError(
                "file-too-large",
                f"{path} is more than the limit of {MAX_FILE_BYTES} bytes for a legacy file",
                "Legacy ZenML files are small; check that this is the right file.",
            )
        return b"".join(chunks)
    except OSError as error:
        raise _unreadable(path, error) from None
    finally:
        os.close(descriptor)


def _unreadable(path: Path, error: OSError) -> YamlFileError:
    if error.errno in (errno.EACCES, errno.EPERM):
        hint = "Make the file readable for the user running zenml-migrate (chmod u+r), or run as its owner."
    elif error.errno == errno.ELOOP:
        hint = "The path is a loop of symbolic links; replace the link with the file itself."
    else:
        hint = "Check the file and the disk it is on."
    return YamlFileError("unreadable-file", f"{path} cannot be read: {error.strerror or error}", hint)


def describe_file_type(mode: int) -> str:
    """Return what kind of file `mode` (an `st_mode`) is, with an article: "a directory", "a FIFO", ..."""
    kinds = (
        (stat.S_ISDIR, "a directory"),
        (stat.S_ISFIFO, "a FIFO (named pipe)"),
        (stat.S_ISSOCK, "a socket"),
        (stat.S_ISCHR, "a character device"),
        (stat.S_ISBLK, "a block device"),
        (stat.S_ISLNK, "a symbolic link"),
    )
    for check, description in kinds:
        if check(mode):
            return description
    return "a regular file" if stat.S_ISREG(mode) else "a special file"


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
        if "&" not in text:  # no anchor, so no alias: a tree, which one pass can check and build
            fast = _build_tree(loader, node, name)
            if fast is not None:
                return fast
        document = YamlDocument(data=None)
        _check_size_and_index(node, name, document)
        try:
            document.data = loader.construct_document(node)
        except (yaml.constructor.ConstructorError, TypeError, ValueError) as error:
            raise _construction_error(error, name) from None
        return document
    finally:
        loader.dispose()


_STR = "tag:yaml.org,2002:str"
_MAP = "tag:yaml.org,2002:map"
_SEQ = "tag:yaml.org,2002:seq"
# Scalar tags that one pass builds with PyYAML's own constructor; any other tag takes the general path.
_SCALAR_TAGS = frozenset(f"tag:yaml.org,2002:{name}" for name in ("int", "float", "bool", "null", "timestamp", "binary"))


class _NotATree(Exception):
    """Raised by _TreeBuilder for content that only the general path handles (merge keys, other tags)."""


def _build_tree(loader: Any, root: yaml.Node, name: str) -> YamlDocument | None:
    """Check, index and build a document without aliases in one pass; None where the general path must do it.

    The result equals what _check_size_and_index and construct_document give
    for the same document, in about half the time, which matters for profiles
    with thousands of stack component files.
    """
    builder = _TreeBuilder(loader, name)
    try:
        builder.document.data = builder.build(root, (), 3, 0)
    except _NotATree:
        return None
    except (yaml.constructor.ConstructorError, TypeError, ValueError) as error:
        raise _construction_error(error, name) from None
    return builder.document


def _construction_error(error: Exception, name: str) -> YamlFileError:
    """Return the `YamlFileError` for a value that PyYAML's safe constructor cannot build."""
    if isinstance(error, yaml.constructor.ConstructorError):
        line = error.problem_mark.line + 1 if error.problem_mark else None
        return YamlFileError(
            "yaml-construct",
            f"{name}:{line}: unsupported YAML content: {error.problem}",
            "Legacy ZenML files hold plain mappings, lists and scalars; remove the tagged value.",
            line,
        )
    return YamlFileError("yaml-construct", f"{name}: unsupported YAML content: {error}", "Fix the file.")


class _TreeBuilder:
    """Builds the value of a YAML node tree while counting its values and recording key lines and duplicate keys."""

    def __init__(self, loader: Any, name: str) -> None:
        self.loader = loader
        self.name = name
        self.document = YamlDocument(data=None)
        self.values = 0  # without aliases, the characters are bounded by MAX_FILE_BYTES already

    def build(self, node: yaml.Node, prefix: tuple[Any, ...], levels: int, depth: int) -> Any:
        """Return the value of `node`, recording the line of each key `levels` deep below `prefix`."""
        if depth > MAX_DEPTH:
            raise YamlFileError(
                "too-deep",
                f"{self.name}:{node.start_mark.line + 1}: nesting deeper than {MAX_DEPTH} levels",
                "Legacy ZenML files are shallow; check that this is the right file.",
                node.start_mark.line + 1,
            )
        self.values += 1
        if self.values > MAX_EXPANDED_NODES:
            raise YamlFileError(
                "too-many-nodes",
                f"{self.name}: the document has more than {MAX_EXPANDED_NODES} values",
                "Legacy ZenML files are small; check that this is the right file.",
            )

        kind = type(node)
        if kind is yaml.ScalarNode:
            if node.tag == _STR:
                return node.value
            if node.tag not in _SCALAR_TAGS:
                raise _NotATree
            return self.loader.yaml_constructors[node.tag](self.loader, node)
        if kind is yaml.SequenceNode and node.tag == _SEQ:
            return [self.build(item, (*prefix, index), 0, depth + 1) for index, item in enumerate(node.value)]
        if kind is not yaml.MappingNode or node.tag != _MAP:
            raise _NotATree

        mapping: dict[Any, Any] = {}
        seen: set[tuple[str, str]] = set()
        for key_node, value_node in node.value:
            if type(key_node) is not yaml.ScalarNode:
                raise _NotATree  # a complex key, which SafeLoader rejects with its own message
            key = self.build(key_node, prefix, 0, depth + 1)
            path = (*prefix, key_node.value)
            line = key_node.start_mark.line + 1
            # The tag distinguishes `1` from `'1'`, which load as different keys.
            if (key_node.tag, key_node.value) in seen:
                self.document.duplicate_keys.append((path, line))
            seen.add((key_node.tag, key_node.value))
            if levels > 0:
                self.document.key_lines.setdefault(path, line)
            mapping[key] = self.build(value_node, path, max(levels - 1, 0), depth + 1)
        return mapping


def _check_size_and_index(root: yaml.Node, name: str, document: YamlDocument) -> None:
    """Reject deep or alias-bombed documents, record key lines of the top three levels and every duplicate key."""
    # Per node: (values, scalar characters) of its expansion, so each shared node is measured once.
    expanded: dict[int, tuple[int, int]] = {}

    def expanded_size(node: yaml.Node, depth: int) -> tuple[int, int]:
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
        expanded[id(node)] = (1, 0)  # guards against recursive aliases
        values, characters = 1, 0
        if isinstance(node, yaml.ScalarNode):
            characters = len(node.value)
        else:
            children = [part for pair in node.value for part in pair] if isinstance(node, yaml.MappingNode) else node.value
            for child in children:
                child_values, child_characters = expanded_size(child, depth + 1)
                values += child_values
                characters += child_characters
        if values > MAX_EXPANDED_NODES:
            raise YamlFileError(
                "too-many-nodes",
                f"{name}: the document expands to more than {MAX_EXPANDED_NODES} values through aliases",
                "Remove the anchors and aliases; legacy ZenML files do not use them.",
            )
        if characters > MAX_EXPANDED_CHARACTERS:
            raise YamlFileError(
                "too-many-nodes",
                f"{name}: the document expands to more than {MAX_EXPANDED_CHARACTERS} characters through aliases",
                "Remove the anchors and aliases; legacy ZenML files do not use them.",
            )
        expanded[id(node)] = (values, characters)
        return values, characters

    expanded_size(root, 0)
    _index_keys(root, (), document, levels=3, visited=set())


def _index_keys(node: yaml.Node, prefix: tuple[Any, ...], document: YamlDocument, levels: int, visited: set[int]) -> None:
    """Record the line of each key `levels` deep, and every duplicate key at any depth."""
    if id(node) in visited:  # an alias of a node indexed already, or a recursive alias
        return
    visited.add(id(node))
    if isinstance(node, yaml.SequenceNode):
        for index, item in enumerate(node.value):
            _index_keys(item, (*prefix, index), document, 0, visited)
        return
    if not isinstance(node, yaml.MappingNode):
        return
    seen: set[tuple[str, str]] = set()
    for key_node, value_node in node.value:
        if not isinstance(key_node, yaml.ScalarNode):
            continue
        key = key_node.value
        path = (*prefix, key)
        line = key_node.start_mark.line + 1
        # The tag distinguishes `1` from `'1'`, which load as different keys.
        if (key_node.tag, key) in seen:
            document.duplicate_keys.append((path, line))
        seen.add((key_node.tag, key))
        if levels > 0:
            document.key_lines.setdefault(path, line)
        _index_keys(value_node, path, document, max(levels - 1, 0), visited)
