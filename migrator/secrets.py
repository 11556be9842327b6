"""Recognise secret configuration values and mask them for output.

A configuration key is secret when one of its words names a password, token,
secret, key or credential (`password`, `api_key`, `authentication_secret`,
`aws_secret_access_key`, ...). Secret values never reach a log, a report or an
exception message: renderers call `mask_configuration` first.
"""

import re
from typing import Any

MASK = "********"

_SECRET_WORDS = ("password", "passwd", "token", "secret", "key", "credential", "credentials")
_WORD_SPLIT = re.compile(r"[^a-z0-9]+|(?<=[a-z0-9])(?=[A-Z])")


def is_secret_key(key: str) -> bool:
    """Return whether a configuration key names a secret."""
    words = [word.lower() for word in _WORD_SPLIT.split(key) if word]
    joined = key.lower()
    if any(word in _SECRET_WORDS for word in words):
        return True
    # Compound spellings such as "apikey" or "accesstoken".
    return any(joined.endswith(word) for word in ("password", "token", "secret", "apikey"))


def mask_value(key: str, value: Any) -> Any:
    """Return `value`, or the mask when `key` names a secret and the value is set."""
    if isinstance(value, dict):
        return mask_configuration(value)
    if is_secret_key(key) and value not in (None, "", {}, []):
        return MASK
    return value


def mask_configuration(configuration: dict[str, Any]) -> dict[str, Any]:
    """Return a copy of a configuration with every secret value masked, recursively."""
    return {key: mask_value(key, value) for key, value in configuration.items()}


def secret_values(configuration: dict[str, Any]) -> list[str]:
    """Return the string forms of every secret value in a configuration, recursively."""
    found: list[str] = []
    for key, value in configuration.items():
        if isinstance(value, dict):
            found.extend(secret_values(value))
        elif is_secret_key(key) and value not in (None, "", {}, []):
            found.append(str(value))
    return found
