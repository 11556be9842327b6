"""Convert and validate ZenML 0.13 stack component configurations for ZenML 0.20.5.

    >>> from migrator.convert import convert_configuration
    >>> result = convert_configuration("container_registry", "default", {"uri": "localhost:5000/"})
    >>> result.valid, result.configuration
    (True, {'authentication_secret': None, 'uri': 'localhost:5000'})

The flavor schemas (`schema/flavors/zenml-0.20.5.json`) and conversion rules
(`schema/conversion-rules.yaml`) are data files at the repository root. They
are loaded on first use, and ZenML itself is never imported.
"""

from migrator.convert.catalog import SCHEMA_DIR_VARIABLE, schema_directory
from migrator.convert.converter import IDENTITY_KEYS, convert_configuration, flavor_exists
from migrator.convert.models import ConfigChange, ConfigError, Conversion
from migrator.convert.validation import UnknownValidatorError

__all__ = [
    "IDENTITY_KEYS",
    "SCHEMA_DIR_VARIABLE",
    "ConfigChange",
    "ConfigError",
    "Conversion",
    "UnknownValidatorError",
    "convert_configuration",
    "flavor_exists",
    "schema_directory",
]
