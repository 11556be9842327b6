"""Recognise secret configuration values and mask them for output.

A configuration key is secret when one of its words names a password, token,
secret, key or credential (`password`, `api_key`, `authentication_secret`,
`aws_secret_access_key`, `SSECustomerKey`, ...). The whole value of a secret
key is masked, even a mapping or a list. Inside any other string value, the
password of a URL (`https://user:PASSWORD@host`), the secret parts of a
connection string (`Password=...;`, `AccountKey=...;`) or of JSON written
in a string (`"private_key": "..."`), an authorization value (`Bearer ...`)
and the path of a Slack webhook URL are masked. Secret
values never reach a log, a report or an exception message: renderers call
`mask_configuration` or `mask_value` first.
"""

import re
from typing import Any

MASK = "********"

_SECRET_WORDS = (
    "password", "passwd", "pwd", "pw", "passphrase", "token", "secret", "key", "credential", "credentials",
    "authorization", "auth", "cookie", "webhook",
)  # fmt: skip
# Words of a key in snake_case, kebab-case, camelCase or with acronyms: "SSECustomerKey" -> SSE, Customer, Key.
_WORDS = re.compile(r"[A-Z]+(?=[A-Z][a-z])|[A-Z]?[a-z]+|[A-Z]+|[0-9]+")
# Every pattern below starts only where a word starts and bounds the parts
# before the secret, so masking costs time in proportion to a value's length.
# An unbounded `[A-Za-z0-9+.-]*` before "://" made a 100 KB value take 10 s.
# The password of a URL: scheme://user:PASSWORD@host.
_URL_PASSWORD = re.compile(
    r"(?P<head>(?<![A-Za-z0-9+.-])[A-Za-z][A-Za-z0-9+.-]{0,31}://[^/\s:@]{0,256}:)(?P<secret>[^/\s@]+)(?P<tail>@)"
)
# A secret `name=value` part of a connection string or query: Password=...; AccountKey=...; sig=...&
_ASSIGNED_SECRET = re.compile(
    r"(?P<head>(?<![A-Za-z0-9_])(?:[A-Za-z_]{0,64}(?:password|passwd|pwd|secret|token|key|signature|sig)[A-Za-z_]{0,64})\s*=\s*)"
    r"(?P<secret>[^;&\s]+)",
    re.IGNORECASE,
)
# A secret member of JSON written inside a string value: "private_key": "...".
_JSON_SECRET = re.compile(
    r'(?P<head>"[A-Za-z_]{0,64}(?:password|passwd|pwd|secret|token|key|credential|auth)[A-Za-z_]{0,64}"\s*:\s*")(?P<secret>[^"]+)',
    re.IGNORECASE,
)
# An HTTP authorization value inside a string: "Bearer eyJ...", "Basic dXNlcjpwYXNz".
_AUTHORIZATION = re.compile(r"(?P<head>(?<![A-Za-z0-9])(?:Bearer|Basic)\s+)(?P<secret>[A-Za-z0-9._~+/=-]+)", re.IGNORECASE)
# The secret path of a Slack webhook URL, which alone lets anyone post to the channel.
_WEBHOOK = re.compile(r"(?P<head>https?://hooks\.slack\.com/(?:services|workflows|triggers)/)(?P<secret>[^\s\"']+)")
_TEXT_SECRETS = (_URL_PASSWORD, _ASSIGNED_SECRET, _JSON_SECRET, _AUTHORIZATION, _WEBHOOK)


def is_secret_key(key: str) -> bool:
    """Return whether a configuration key names a secret."""
    words = [word.lower() for word in _WORDS.findall(str(key))]
    if any(word in _SECRET_WORDS for word in words):
        return True
    # Compound spellings such as "apikey" or "accesstoken".
    joined = str(key).lower()
    return any(joined.endswith(word) for word in ("password", "token", "secret", "apikey"))


def _is_set(value: Any) -> bool:
    return value not in (None, "", {}, [])


def mask_text(text: str) -> str:
    """Return `text` with URL passwords, secret parts of connection strings and JSON, authorization values and webhook paths masked."""
    text = _URL_PASSWORD.sub(lambda match: f"{match['head']}{MASK}{match['tail']}", text)
    for pattern in _TEXT_SECRETS[1:]:
        text = pattern.sub(lambda match: f"{match['head']}{MASK}", text)
    return text


def mask_value(key: str, value: Any) -> Any:
    """Return `value` for output: the mask when `key` names a secret and the value is set, else `value` with its secrets masked."""
    if is_secret_key(key) and _is_set(value):
        return MASK
    return _mask_nested(value)


def _mask_nested(value: Any) -> Any:
    if isinstance(value, dict):
        return mask_configuration(value)
    if isinstance(value, (list, tuple)):
        return [_mask_nested(item) for item in value]
    if isinstance(value, str):
        return mask_text(value)
    return value


def mask_configuration(configuration: dict[str, Any]) -> dict[str, Any]:
    """Return a copy of a configuration with every secret value masked, recursively."""
    return {key: mask_value(key, value) for key, value in configuration.items()}


def secret_values(configuration: dict[str, Any]) -> list[str]:
    """Return the string forms of every value that `mask_configuration` masks, recursively.

    For a secret key this is its value and, for a mapping or list, each
    scalar inside it. For other strings it is each masked URL password or
    connection-string part.
    """
    found: list[str] = []
    for key, value in configuration.items():
        if is_secret_key(key) and _is_set(value):
            found.extend(_leaves(value))
        else:
            found.extend(_embedded_secrets(value))
    return found


def _leaves(value: Any) -> list[str]:
    if isinstance(value, dict):
        return [leaf for item in value.values() for leaf in _leaves(item)]
    if isinstance(value, (list, tuple)):
        return [leaf for item in value for leaf in _leaves(item)]
    return [] if value is None else [str(value)]


def _embedded_secrets(value: Any) -> list[str]:
    if isinstance(value, dict):
        return secret_values(value)
    if isinstance(value, (list, tuple)):
        return [secret for item in value for secret in _embedded_secrets(item)]
    if isinstance(value, str):
        return [match["secret"] for pattern in _TEXT_SECRETS for match in pattern.finditer(value)]
    return []
