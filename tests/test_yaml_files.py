"""The one-pass builder for YAML documents without anchors gives what the general path gives."""

import datetime

import yaml
from hypothesis import given, settings
from hypothesis import strategies as st

from migrator.legacy import yaml_files
from migrator.legacy.yaml_files import YamlDocument, YamlFileError, parse_yaml_text

scalars = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(),
    st.floats(allow_nan=False),
    st.text(max_size=20),
    st.dates(),
    st.datetimes(min_value=datetime.datetime(1900, 1, 1)),
    st.binary(max_size=10),
)
keys = st.one_of(st.text(max_size=10), st.integers(-5, 5), st.booleans())
documents = st.recursive(scalars, lambda children: st.one_of(st.lists(children, max_size=4), st.dictionaries(keys, children, max_size=4)), max_leaves=30)


def general_path(text: str) -> YamlDocument | str:
    """Parse `text` the way parse_yaml_text does for a document with anchors."""
    loader = yaml_files._Loader(text)
    try:
        node = loader.get_single_node()
        if node is None:
            return YamlDocument(data=None)
        document = YamlDocument(data=None)
        yaml_files._check_size_and_index(node, "doc.yaml", document)
        document.data = loader.construct_document(node)
        return document
    except YamlFileError as error:
        return error.code
    except yaml.constructor.ConstructorError:
        return "yaml-construct"
    except yaml.YAMLError:
        return "yaml-syntax"
    finally:
        loader.dispose()


def one_pass(text: str) -> YamlDocument | str:
    try:
        return parse_yaml_text(text, "doc.yaml")
    except YamlFileError as error:
        return error.code


def comparable(result: YamlDocument | str) -> object:
    if isinstance(result, str):
        return result
    return repr(result.data), result.key_lines, result.duplicate_keys


@settings(max_examples=300, deadline=None)
@given(documents)
def test_one_pass_equals_general_path(data) -> None:
    text = yaml.safe_dump(data, allow_unicode=True)
    assert comparable(one_pass(text)) == comparable(general_path(text))


@settings(max_examples=200, deadline=None)
@given(st.lists(st.tuples(st.sampled_from(["a", "b", "1", "'1'", "true", "<<"]), st.sampled_from(["x", "2", "{c: 1}", "[1, 2]", "~"])), max_size=6))
def test_duplicate_and_merge_keys_match(pairs) -> None:
    text = "".join(f"{key}: {value}\n" for key, value in pairs) + "nested:\n  k: 1\n  k: 2\n"
    assert comparable(one_pass(text)) == comparable(general_path(text))


def test_nesting_limit_applies_without_anchors() -> None:
    depth = yaml_files.MAX_DEPTH + 5
    result = one_pass("a: " + "[" * depth + "]" * depth + "\n")
    assert result == "too-deep"


def test_value_limit_applies_without_anchors(monkeypatch) -> None:
    monkeypatch.setattr(yaml_files, "MAX_EXPANDED_NODES", 10)
    assert one_pass("[" + ", ".join("1" for _ in range(20)) + "]\n") == "too-many-nodes"


LOADED_HERE: list[int] = []
_LOAD_EACH = yaml_files._load_each


def counting_load_each(paths):  # type: ignore[no-untyped-def]
    """Load `paths` as the reader does, and count them when this is the test's own process."""
    import multiprocessing

    if multiprocessing.parent_process() is None:
        LOADED_HERE.append(len(paths))
    return _LOAD_EACH(paths)


def test_parallel_reading_equals_sequential(monkeypatch, legacy_copy) -> None:
    """A profile read with a forked worker gives the same models and diagnostics, in the same order."""
    from migrator.legacy import read_profiles

    root = legacy_copy("multi-stack")
    production = root / "profiles" / "production"
    (production / "artifact_stores" / "s3_artifacts.yaml").write_text("name: [unclosed\n")
    (production / "orchestrators" / "kubeflow_local.yaml").write_bytes(b"name: \xff\n")
    sequential = read_profiles(root).model_dump()
    monkeypatch.setattr(yaml_files, "PARALLEL_MIN_FILES", 2)
    monkeypatch.setattr(yaml_files, "_load_each", counting_load_each)
    LOADED_HERE.clear()
    parallel = read_profiles(root).model_dump()
    components = sum(len(p["components"]) for p in parallel["profiles"])
    # This process loaded only its half of each profile; the forked worker loaded the rest.
    assert 0 < sum(LOADED_HERE) < components
    assert parallel == sequential
    codes = [d["code"] for p in parallel["profiles"] for d in p["diagnostics"]]
    assert "yaml-syntax" in codes
    assert "not-utf8" in codes
