"""Record the configuration fields of every built-in ZenML flavor as JSON.

Run it with the Python interpreter of an environment where that ZenML release
is installed, for example:

    <python> schema/flavors/generate.py --zenml-version 0.20.5 \
        --out schema/flavors/zenml-0.20.5.json
    <python> schema/flavors/generate.py --zenml-version 0.13.2 \
        --out schema/flavors/zenml-0.13.2.json

For ZenML 0.20.x, each flavor of ``zenml.stack.flavor_registry`` names a
``Flavor`` class whose ``config_class`` is the pydantic model that validates a
component's configuration. For ZenML 0.13.x, each flavor names a
``StackComponent`` class, which is itself the pydantic model. Either way the
output lists the model's fields in class order with their JSON type, default
(as ``json.dumps`` encodes it, which is how ZenML stores configurations),
whether they are required, and the allowed enum values. It also lists the
names of the model's validators and the class variables they read, so that
``migrator.convert`` can reproduce them without importing ZenML.

ZenML 0.13.2 flavor classes import their integration's SDK at module level.
Where an SDK is not installed, this script puts stand-in modules in its place
(only with ``--stub-missing-sdks``, the default for 0.13.x) and records which
modules it replaced for each flavor. Stand-ins never define pydantic fields,
so the recorded fields are the real ones. Flavors that still fail to import
are listed under ``unavailable`` with the error.

The script only prints and writes the output file. It must not be imported by
the project: it needs ZenML and pydantic 1.
"""

from __future__ import annotations

import argparse
import enum
import importlib
import inspect
import json
import os
import re
import sys
import tempfile
import types
from collections.abc import Sequence
from importlib.abc import Loader, MetaPathFinder
from importlib.machinery import ModuleSpec
from typing import Any

FORMAT_VERSION = 1

# Class variables that ZenML's validators read.
CLASS_VARIABLES = ("SUPPORTED_SCHEMES", "SUPPORTS_SCOPING")

# Class methods that ZenML's root validators call and subclasses override.
VALIDATION_HOOKS = ("_validate_scope",)


def prepare_environment() -> None:
    """Set the variables that keep ZenML from sending analytics or writing to $HOME."""
    os.environ["ZENML_ANALYTICS_OPT_IN"] = "false"
    os.environ.setdefault("ZENML_CONFIG_PATH", tempfile.mkdtemp(prefix="zenml-config-"))
    os.environ.setdefault("ZENML_REPOSITORY_PATH", tempfile.mkdtemp(prefix="zenml-repo-"))
    # tfx 1.8 (used by ZenML 0.13.2) ships *_pb2 modules that protobuf 4's
    # default backend rejects.
    os.environ.setdefault("PROTOCOL_BUFFERS_PYTHON_IMPLEMENTATION", "python")


def install_protobuf_pyext_shim() -> None:
    """Provide ``google.protobuf.pyext._message``, which protobuf 4 no longer ships.

    tfx 1.8 imports it at module level and only uses two container types from
    it, which the pure-Python backend also defines.
    """
    try:
        import google.protobuf.pyext._message  # noqa: F401
        return
    except ImportError:
        pass
    try:
        import google.protobuf.pyext as pyext
        from google.protobuf.internal import containers
    except ImportError:
        return
    shim = types.ModuleType("google.protobuf.pyext._message")
    shim.RepeatedCompositeContainer = containers.RepeatedCompositeFieldContainer  # type: ignore[attr-defined]
    shim.RepeatedScalarContainer = containers.RepeatedScalarFieldContainer  # type: ignore[attr-defined]
    sys.modules["google.protobuf.pyext._message"] = shim
    pyext._message = shim  # type: ignore[attr-defined]


# --- stand-ins for SDKs that are not installed (ZenML 0.13.x only) ----------


class _StubMeta(type):
    """Metaclass whose classes return new stand-in classes for any attribute."""

    def __getattr__(cls, name: str) -> Any:
        if name.startswith("__"):
            raise AttributeError(name)
        return make_stub_class(name)


class _Stub(metaclass=_StubMeta):
    """Object that accepts any call, attribute access or subclassing."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        pass

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        # Used as a decorator, a stand-in returns the decorated object.
        if len(args) == 1 and not kwargs and callable(args[0]):
            return args[0]
        return _Stub()

    def __getattr__(self, name: str) -> Any:
        if name.startswith("__"):
            raise AttributeError(name)
        return _Stub()

    def __iter__(self) -> Any:
        return iter(())

    def __class_getitem__(cls, item: Any) -> Any:
        return cls

    def __fspath__(self) -> str:
        return "stub"

    def __str__(self) -> str:
        return "stub"


def make_stub_class(name: str) -> type:
    return _StubMeta(name, (_Stub,), {})


class StubModule(types.ModuleType):
    """Module whose missing attributes are stand-in classes."""

    def __init__(self, name: str) -> None:
        super().__init__(name)
        self.__path__: list[str] = []

    def __getattr__(self, name: str) -> Any:
        if name.startswith("__"):
            raise AttributeError(name)
        value = make_stub_class(name)
        setattr(self, name, value)
        return value


class StubFinder(MetaPathFinder, Loader):
    """Import hook that serves stand-in modules for the registered names."""

    def __init__(self) -> None:
        self.prefixes: set[str] = set()

    def covers(self, fullname: str) -> bool:
        return any(fullname == p or fullname.startswith(p + ".") for p in self.prefixes)

    def find_spec(self, fullname: str, path: Any, target: Any = None) -> ModuleSpec | None:
        if self.covers(fullname):
            return ModuleSpec(fullname, self, is_package=True)
        return None

    def create_module(self, spec: ModuleSpec) -> types.ModuleType:
        return StubModule(spec.name)

    def exec_module(self, module: types.ModuleType) -> None:
        parent, _, child = module.__name__.rpartition(".")
        if parent and parent in sys.modules:
            setattr(sys.modules[parent], child, module)


_MISSING_NAME = re.compile(r"cannot import name '([^']+)' from '([^']+)'")


def missing_module_of(error: ImportError) -> str | None:
    """Return the module name to replace with a stand-in after ``error``, if any."""
    if isinstance(error, ModuleNotFoundError) and error.name:
        return error.name
    match = _MISSING_NAME.search(str(error))
    if match:
        name, module = match.groups()
        parent = sys.modules.get(module)
        if parent is not None and getattr(parent, "__path__", None) is not None:
            # `from package import submodule` where the submodule is missing.
            return f"{module}.{name}"
    return None


def stub_missing_attribute(error: ImportError) -> str | None:
    """Give a real module a stand-in for a name that its installed version lacks."""
    match = _MISSING_NAME.search(str(error))
    if not match:
        return None
    name, module_name = match.groups()
    module = sys.modules.get(module_name)
    if module is None or hasattr(module, name):
        return None
    setattr(module, name, make_stub_class(name))
    return f"{module_name}.{name}"


def import_object(path: str, finder: StubFinder | None) -> tuple[Any, list[str]]:
    """Import ``module.attribute``, replacing missing SDK modules when ``finder`` is set."""
    module_name, _, attribute = path.rpartition(".")
    stubbed: list[str] = []
    for _ in range(25):
        try:
            return getattr(importlib.import_module(module_name), attribute), stubbed
        except ImportError as error:
            if finder is None:
                raise
            missing = missing_module_of(error)
            if missing and not missing.startswith("zenml") and not finder.covers(missing):
                finder.prefixes.add(missing)
                stubbed.append(missing)
                continue
            replaced = stub_missing_attribute(error)
            if replaced:
                stubbed.append(replaced)
                continue
            raise
    raise ImportError(f"too many missing modules while importing {path}: {stubbed}")


# --- field description ---------------------------------------------------------


def json_default(value: Any) -> Any:
    """Encode a default the way ``json.dumps(config.dict())`` stores it."""
    return json.loads(json.dumps(value))


def type_schema(outer: Any) -> dict[str, Any]:
    """Return the JSON Schema of a pydantic 1 field type, without descriptions."""
    import typing

    origin = typing.get_origin(outer)
    args = typing.get_args(outer)
    if outer is Any or outer is object:
        return {}
    if origin is typing.Union:
        members = [type_schema(a) for a in args if a is not type(None)]
        schema: dict[str, Any] = members[0] if len(members) == 1 else {"anyOf": members}
        if type(None) in args:
            schema = dict(schema)
            schema["nullable"] = True
        return schema
    if origin is typing.Literal:
        return {"enum": list(args)}
    if inspect.isclass(outer) and issubclass(outer, enum.Enum):
        values = [member.value for member in outer]
        kind = "string" if all(isinstance(v, str) for v in values) else None
        result: dict[str, Any] = {"enum": values}
        if kind:
            result = {"type": kind, "enum": values}
        return result
    if outer is bool:
        return {"type": "boolean"}
    if outer is int:
        return {"type": "integer"}
    if outer is float:
        return {"type": "number"}
    if outer is str:
        return {"type": "string"}
    if outer is dict or origin is dict:
        result = {"type": "object"}
        if len(args) == 2:
            result["propertyNames"] = type_schema(args[0])
            result["additionalProperties"] = type_schema(args[1])
        return result
    if outer in (list, set, frozenset) or origin in (list, set, frozenset):
        result = {"type": "array"}
        if args:
            result["items"] = type_schema(args[0])
        if outer in (set, frozenset) or origin in (set, frozenset):
            result["uniqueItems"] = True
        return result
    if outer is tuple or origin is tuple:
        if len(args) == 2 and args[1] is Ellipsis:
            return {"type": "array", "items": type_schema(args[0])}
        if args:
            return {
                "type": "array",
                "prefixItems": [type_schema(a) for a in args],
                "minItems": len(args),
                "maxItems": len(args),
            }
        return {"type": "array"}
    return {"x-python-type": repr(outer)}


def describe_field(name: str, field: Any) -> dict[str, Any]:
    """Describe one pydantic 1 ``ModelField`` in class order terms."""
    schema = type_schema(field.outer_type_)
    # pydantic 1 also makes a field Optional when its default is None.
    nullable = bool(field.allow_none)
    description: dict[str, Any] = {"name": name}
    description.update(schema)
    description.pop("nullable", None)
    description["nullable"] = nullable
    description["required"] = bool(field.required)
    if not field.required:
        if field.default_factory is not None:
            factory = field.default_factory
            description["default_factory"] = (
                f"{getattr(factory, '__module__', '')}.{getattr(factory, '__qualname__', repr(factory))}"
            )
        elif isinstance(field.default, enum.Enum):
            description["default"] = json_default(field.default.value)
        else:
            description["default"] = json_default(field.default)
    extra = field.field_info.extra
    description["sensitive"] = bool(extra.get("sensitive", False))
    if extra.get("prevent_secret_reference"):
        description["prevent_secret_reference"] = True
    return description


def field_validator_names(model: Any) -> dict[str, list[dict[str, Any]]]:
    """Map field name to the validators declared with ``@validator``.

    These are the class validators that pydantic 1 runs as a field's
    ``pre_validators`` and ``post_validators``. ``ModelField`` only keeps
    wrapped functions, so the names come from ``__validators__``.
    """
    result: dict[str, list[dict[str, Any]]] = {}
    for field_name, validators in getattr(model, "__validators__", {}).items():
        for validator in validators:
            function = getattr(validator.func, "__func__", validator.func)
            result.setdefault(field_name, []).append(
                {"name": function.__qualname__, "pre": bool(validator.pre)}
            )
    return result


def root_validator_names(model: Any) -> list[dict[str, Any]]:
    result: list[dict[str, Any]] = []
    for function in getattr(model, "__pre_root_validators__", []):
        function = getattr(function, "__func__", function)
        result.append({"name": function.__qualname__, "pre": True, "skip_on_failure": False})
    for skip_on_failure, function in getattr(model, "__post_root_validators__", []):
        function = getattr(function, "__func__", function)
        result.append(
            {"name": function.__qualname__, "pre": False, "skip_on_failure": bool(skip_on_failure)}
        )
    return result


def init_overrides(model: Any) -> list[str]:
    """Return the ``__init__`` methods between the model and pydantic's BaseModel."""
    import pydantic

    names = []
    for klass in model.__mro__:
        if klass is pydantic.BaseModel:
            break
        if "__init__" in vars(klass):
            names.append(f"{klass.__qualname__}.__init__")
    return names


def class_variables(model: Any) -> dict[str, Any]:
    result: dict[str, Any] = {}
    for name in CLASS_VARIABLES:
        if hasattr(model, name):
            value = getattr(model, name)
            if isinstance(value, (set, frozenset)):
                value = sorted(value)
            result[name] = json_default(value)
    return result


def validation_hooks(model: Any) -> dict[str, str]:
    result: dict[str, str] = {}
    for name in VALIDATION_HOOKS:
        method = getattr(model, name, None)
        if method is not None:
            function = getattr(method, "__func__", method)
            result[name] = function.__qualname__
    return result


def describe_model(model: Any) -> dict[str, Any]:
    config = getattr(model, "__config__", None)
    extra = getattr(getattr(config, "extra", None), "value", None)
    fields = [describe_field(name, field) for name, field in model.__fields__.items()]
    validators = field_validator_names(model)
    for field in fields:
        field["validators"] = validators.get(field["name"], [])
    properties = {}
    for field in fields:
        keys = ("type", "enum", "items", "prefixItems", "minItems", "maxItems",
                "propertyNames", "additionalProperties", "anyOf", "uniqueItems", "x-python-type")
        prop = {k: field[k] for k in keys if k in field}
        if field["nullable"] and "type" in prop:
            prop["type"] = [prop["type"], "null"]
            if "enum" in prop:
                prop["enum"] = prop["enum"] + [None]
        if "default" in field:
            prop["default"] = field["default"]
        properties[field["name"]] = prop
    return {
        "config_class": f"{model.__module__}.{model.__qualname__}",
        "extra": extra,
        "class_variables": class_variables(model),
        "init_checks": init_overrides(model),
        "validation_hooks": validation_hooks(model),
        "root_validators": root_validator_names(model),
        "fields": fields,
        "json_schema": {
            "$schema": "https://json-schema.org/draft/2020-12/schema",
            "title": model.__name__,
            "type": "object",
            "properties": properties,
            "required": [f["name"] for f in fields if f["required"]],
            "additionalProperties": extra != "forbid",
        },
    }


# --- flavor registries -----------------------------------------------------------


def flavors_020() -> list[dict[str, Any]]:
    """Describe the built-in flavors of ZenML 0.20.x and later (Flavor classes)."""
    from zenml.stack.flavor_registry import flavor_registry

    records = []
    for model in flavor_registry.flavors:
        record: dict[str, Any] = {
            "type": model.type.value,
            "name": model.name,
            "integration": model.integration,
            "source": model.source.split("@", 1)[0],
        }
        try:
            flavor_class, _ = import_object(record["source"], None)
            record.update(describe_model(flavor_class().config_class))
        except Exception as error:  # noqa: BLE001 - recorded as the reason
            record["error"] = f"{type(error).__name__}: {error}"
        records.append(record)
    return records


def flavors_013(stub_missing_sdks: bool) -> list[dict[str, Any]]:
    """Describe the built-in flavors of ZenML 0.13.x (StackComponent classes)."""
    install_protobuf_pyext_shim()
    finder: StubFinder | None = None
    if stub_missing_sdks:
        finder = StubFinder()
        sys.meta_path.append(finder)
    from zenml.stack.flavor_registry import flavor_registry

    records = []
    for component_type, by_name in flavor_registry._flavors.items():
        for name, wrapper in by_name.items():
            record: dict[str, Any] = {
                "type": getattr(component_type, "value", str(component_type)),
                "name": name,
                "integration": wrapper.integration,
                "source": wrapper.source,
            }
            try:
                component_class, stubbed = import_object(wrapper.source, finder)
                record.update(describe_model(component_class))
                record["config_class"] = record["source"]
                if stubbed:
                    record["stubbed_modules"] = stubbed
            except Exception as error:  # noqa: BLE001 - recorded as the reason
                record["error"] = f"{type(error).__name__}: {error}"
            records.append(record)
    return records


def parse_arguments(argv: Sequence[str]) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--zenml-version", required=True,
        help="ZenML version expected in this interpreter, e.g. 0.20.5 or 0.13.2",
    )
    parser.add_argument("--out", required=True, help="JSON file to write")
    parser.add_argument(
        "--stub-missing-sdks", choices=("auto", "yes", "no"), default="auto",
        help="replace missing integration SDKs with stand-in modules "
        "(auto: yes for ZenML 0.13.x, no otherwise)",
    )
    return parser.parse_args(argv)


def main(argv: Sequence[str]) -> int:
    arguments = parse_arguments(argv)
    prepare_environment()

    import pydantic
    import zenml

    if zenml.__version__ != arguments.zenml_version:
        print(
            f"error: this interpreter has zenml {zenml.__version__}, "
            f"expected {arguments.zenml_version}; run the script with the "
            "python of the matching environment",
            file=sys.stderr,
        )
        return 2

    major_minor = tuple(int(p) for p in arguments.zenml_version.split(".")[:2])
    if major_minor < (0, 20):
        stub = arguments.stub_missing_sdks != "no"
        records = flavors_013(stub)
    else:
        if arguments.stub_missing_sdks == "yes":
            print("error: --stub-missing-sdks applies only to ZenML 0.13.x", file=sys.stderr)
            return 2
        records = flavors_020()

    records.sort(key=lambda r: (r["type"], r["name"]))
    available = [r for r in records if "error" not in r]
    unavailable = [
        {"type": r["type"], "name": r["name"], "integration": r["integration"],
         "source": r["source"], "reason": r["error"]}
        for r in records if "error" in r
    ]
    output = {
        "format_version": FORMAT_VERSION,
        "zenml_version": zenml.__version__,
        "pydantic_version": pydantic.VERSION,
        "python_version": ".".join(str(p) for p in sys.version_info[:3]),
        "flavors": available,
        "unavailable": unavailable,
    }
    with open(arguments.out, "w", encoding="utf-8") as stream:
        json.dump(output, stream, indent=1, ensure_ascii=False)
        stream.write("\n")
    print(
        f"wrote {arguments.out}: {len(available)} flavors, "
        f"{len(unavailable)} unavailable (zenml {zenml.__version__})"
    )
    for entry in unavailable:
        print(f"  unavailable: {entry['type']}/{entry['name']}: {entry['reason']}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
