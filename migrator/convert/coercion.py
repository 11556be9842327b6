"""Coerce a value to a field type the way pydantic 1.10 does in ZenML 0.20.5 config classes.

The type comes from the JSON Schema fragment that `schema/flavors/generate.py`
recorded for the field. The rules follow pydantic 1.10's standard validators
(`pydantic.validators` and `ModelField` shapes), which ZenML 0.20.5 uses:

- string: str as is; int, float and bool become `str(value)` (so `True`
  becomes "True"); bytes are decoded; anything else fails.
- integer: int as is; anything `int()` accepts converts, so "8081", " 8081 ",
  "8_081", 8081.9 (truncated to 8081) and True (1) pass, "8081.5" fails.
- number: float as is; anything `float()` accepts converts.
- boolean: True/False; 1, 0 and the strings 1/0, on/off, t/f, true/false,
  y/n, yes/no in any case; anything else fails.
- enum: the value must equal one of the enum values.
- object: a mapping, or anything `dict()` accepts (a list of pairs); keys
  and values are coerced in turn.
- array with prefixItems (a fixed-length tuple): a list, tuple or set of
  exactly that length; items are coerced in turn.
- null: allowed only for Optional fields and untyped (Any) values.

Tests compare these rules with the real pydantic 1.10 in
tests/data/expected-0.20.5-configs.json (section "probes").
"""

from typing import Any

# pydantic 1.10 refuses to parse integers from longer strings (CPython's limit).
MAX_INTEGER_STRING_LENGTH = 4_300

_BOOL_TRUE = {1, "1", "on", "t", "true", "y", "yes"}
_BOOL_FALSE = {0, "0", "off", "f", "false", "n", "no"}

_JSON_TYPE_WORDS = {
    "string": "a string",
    "integer": "an integer",
    "number": "a number",
    "boolean": "a boolean",
    "object": "a mapping",
    "array": "a list",
}


class CoercionError(Exception):
    """Raised when a value does not fit a field type.

    `message` names the expected type and never contains the value, nor the
    keys of a mapping value.
    """

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


def describe_type(schema: dict[str, Any]) -> str:
    """Return a short English description of a JSON Schema type, such as "an integer"."""
    if "enum" in schema:
        return "one of " + ", ".join(str(value) for value in schema["enum"])
    if "anyOf" in schema:
        return " or ".join(describe_type(member) for member in schema["anyOf"])
    json_type = schema.get("type")
    if json_type == "array" and "prefixItems" in schema:
        return f"a list of exactly {len(schema['prefixItems'])} items"
    if isinstance(json_type, str):
        return _JSON_TYPE_WORDS.get(json_type, json_type)
    return "any value"


def coerce(schema: dict[str, Any], value: Any, nullable: bool = False) -> Any:
    """Return `value` converted to the type of `schema`, or raise CoercionError."""
    if value is None:
        if nullable or schema.get("nullable") or not schema:
            return None
        raise CoercionError("must not be null")
    if not schema:
        return value
    if "anyOf" in schema:
        return _coerce_union(schema["anyOf"], value)
    if "enum" in schema:
        return _coerce_enum(schema["enum"], value)
    json_type = schema.get("type")
    if json_type == "string":
        return _coerce_string(value)
    if json_type == "integer":
        return _coerce_integer(value)
    if json_type == "number":
        return _coerce_number(value)
    if json_type == "boolean":
        return _coerce_boolean(value)
    if json_type == "object":
        return _coerce_object(schema, value)
    if json_type == "array":
        return _coerce_array(schema, value)
    # A type the generator could not express as JSON Schema: accept it, as
    # nothing in ZenML 0.20.5's built-in flavors has one.
    return value


def _coerce_union(members: list[dict[str, Any]], value: Any) -> Any:
    for member in members:
        try:
            return coerce(member, value)
        except CoercionError:
            continue
    raise CoercionError("must be " + describe_type({"anyOf": members}))


def _coerce_enum(allowed: list[Any], value: Any) -> Any:
    for candidate in allowed:
        if type(candidate) is type(value) and candidate == value:
            return candidate
    raise CoercionError("must be one of " + ", ".join(str(v) for v in allowed))


def _coerce_string(value: Any) -> str:
    if isinstance(value, str):
        return value
    if isinstance(value, (bool, int, float)):
        return str(value)
    if isinstance(value, (bytes, bytearray)):
        try:
            return value.decode()
        except UnicodeDecodeError:
            raise CoercionError("must be a string (the bytes are not valid UTF-8)") from None
    raise CoercionError("must be a string")


def _coerce_integer(value: Any) -> int:
    if isinstance(value, int) and not isinstance(value, bool):
        return value
    if isinstance(value, (str, bytes, bytearray)) and len(value) > MAX_INTEGER_STRING_LENGTH:
        raise CoercionError("must be an integer")
    try:
        return int(value)
    except (TypeError, ValueError, OverflowError):
        raise CoercionError("must be an integer") from None


def _coerce_number(value: Any) -> float:
    if isinstance(value, float):
        return value
    try:
        return float(value)
    except (TypeError, ValueError):
        raise CoercionError("must be a number") from None


def _coerce_boolean(value: Any) -> bool:
    if value is True or value is False:
        return value
    candidate = value
    if isinstance(candidate, bytes):
        candidate = candidate.decode(errors="replace")
    if isinstance(candidate, str):
        candidate = candidate.lower()
    try:
        if candidate in _BOOL_TRUE:
            return True
        if candidate in _BOOL_FALSE:
            return False
    except TypeError:
        # Unhashable values such as lists and mappings.
        pass
    raise CoercionError("must be a boolean (true/false, yes/no, on/off, 1/0)")


def _coerce_object(schema: dict[str, Any], value: Any) -> dict[Any, Any]:
    if isinstance(value, dict):
        mapping = value
    else:
        try:
            mapping = dict(value)
        except (TypeError, ValueError):
            raise CoercionError("must be a mapping") from None
    key_schema = schema.get("propertyNames", {})
    value_schema = schema.get("additionalProperties", {})
    if not isinstance(value_schema, dict):
        value_schema = {}
    result: dict[Any, Any] = {}
    for key, item in mapping.items():
        try:
            new_key = coerce(key_schema, key)
        except CoercionError as error:
            raise CoercionError(f"has a key that {error.message}") from None
        try:
            result[new_key] = coerce(value_schema, item)
        except CoercionError as error:
            raise CoercionError(f"has a value that {error.message}") from None
    return result


def _is_sequence(value: Any) -> bool:
    # pydantic 1.10's `sequence_like` without generators and deques, which YAML never produces.
    return isinstance(value, (list, tuple, set, frozenset))


def _coerce_array(schema: dict[str, Any], value: Any) -> list[Any]:
    if not _is_sequence(value):
        raise CoercionError("must be " + describe_type(schema))
    items = list(value)
    if "prefixItems" in schema:
        item_schemas = schema["prefixItems"]
        if len(items) != len(item_schemas):
            raise CoercionError(f"must have exactly {len(item_schemas)} items")
    else:
        item_schemas = [schema.get("items", {})] * len(items)
    result = []
    for item_schema, item in zip(item_schemas, items, strict=True):
        try:
            result.append(coerce(item_schema, item))
        except CoercionError as error:
            raise CoercionError(f"has an item that {error.message}") from None
    return result
