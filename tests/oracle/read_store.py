"""Print a ZenML 0.20.x store as JSON, read through ZenML's own Client and zen_store API.

Run it with the Python of the oracle environment (setup_oracle.sh), with
ZENML_CONFIG_PATH set to a ZenML 0.20 global config directory. Its config.yaml
names the store: a SQL store (SQLite or MySQL), or a server with
``type: rest``, in which case everything is read over REST:

    ZENML_CONFIG_PATH=/tmp/cfg ZENML_ANALYTICS_OPT_IN=false \\
        oracle-venv/bin/python tests/oracle/read_store.py [--stable]

Options:
  --stable                      drop ids and timestamps and sort every list,
                                so that the output of two stores can be compared
  --skip-default-registrations  open the store without letting ZenML create
                                the default project, user and stack that it
                                otherwise adds to a store on first use

The JSON document goes to stdout. Everything that ZenML prints (logging, rich
console output) goes to stderr.

Reading a SQL store is not read-only: ZenML creates its missing tables and the
ML-Metadata tables in the database it opens, and without
--skip-default-registrations also the default project, user and stack when
they are missing. Point it at a copy of any database that must stay unchanged.
"""

import argparse
import json
import os
import sys

# ZenML's logging handler and rich console write to fd 1. Keep a private
# handle on the real stdout for the JSON document and send fd 1 to stderr.
_json_output = os.fdopen(os.dup(1), "w", encoding="utf-8")
os.dup2(2, 1)
sys.stdout = sys.stderr

os.environ.setdefault("ZENML_ANALYTICS_OPT_IN", "false")
os.environ.setdefault("ZENML_ENABLE_REPO_INIT_WARNINGS", "false")

# Keys of the entity records that differ between two stores with the same content.
VOLATILE_KEYS = ("id", "created", "updated")

# Record fields that --stable sorts each section by, before the whole record.
SORT_FIELDS = {
    "projects": ("name",),
    "users": ("name",),
    "flavors": ("project", "type", "name", "user"),
    "components": ("project", "type", "name", "user"),
    "stacks": ("project", "name", "user"),
}


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--stable",
        action="store_true",
        help="drop ids and timestamps and sort every list",
    )
    parser.add_argument(
        "--skip-default-registrations",
        action="store_true",
        help="do not create the default project, user and stack on first use",
    )
    return parser.parse_args()


def open_store(skip_default_registrations: bool):
    """Open the store that config.yaml in $ZENML_CONFIG_PATH names."""
    from zenml.client import Client
    from zenml.config.global_config import GlobalConfiguration
    from zenml.zen_stores.base_zen_store import BaseZenStore

    if not skip_default_registrations:
        # The same path as every ZenML CLI command: the global configuration
        # initialises the store, adds the default entities and validates the
        # active project and stack.
        return Client().zen_store

    config = GlobalConfiguration().store
    if config is None:
        sys.exit("error: config.yaml in $ZENML_CONFIG_PATH has no store section")
    return BaseZenStore.create_store(config, skip_default_registrations=True)


def enum_value(value) -> str:
    return str(getattr(value, "value", value))


def parse_config_schema(raw):
    """Return the flavor's config_schema as a JSON value, or the raw string when it is not JSON."""
    try:
        return json.loads(raw)
    except (TypeError, ValueError):
        return raw


def read_store(store) -> dict:
    import zenml

    info = store.get_store_info()
    users = {user.id: user for user in store.list_users()}
    projects = store.list_projects()
    project_names = {project.id: project.name for project in projects}

    def user_name(user_id):
        if user_id is None:
            return None
        user = users.get(user_id)
        return user.name if user is not None else str(user_id)

    def project_name(project_id):
        return project_names.get(project_id, str(project_id))

    document = {
        "zenml_version": zenml.__version__,
        "store": {
            "type": enum_value(store.type),
            "url": store.url,
            "deployment_type": enum_value(info.deployment_type),
            "database_type": enum_value(info.database_type),
        },
        "projects": [
            {
                "id": str(project.id),
                "name": project.name,
                "description": project.description,
                "created": project.created.isoformat(),
                "updated": project.updated.isoformat(),
            }
            for project in projects
        ],
        "users": [
            {
                "id": str(user.id),
                "name": user.name,
                "full_name": user.full_name,
                "email": user.email,
                "email_opted_in": user.email_opted_in,
                "active": user.active,
                "created": user.created.isoformat(),
                "updated": user.updated.isoformat(),
            }
            for user in users.values()
        ],
        "flavors": [],
        "components": [],
        "stacks": [],
    }

    for flavor in store.list_flavors():
        document["flavors"].append(
            {
                "id": str(flavor.id),
                "project": project_name(flavor.project),
                "user": user_name(flavor.user),
                "type": enum_value(flavor.type),
                "name": flavor.name,
                "source": flavor.source,
                "integration": flavor.integration,
                "config_schema": parse_config_schema(flavor.config_schema),
                "created": flavor.created.isoformat(),
                "updated": flavor.updated.isoformat(),
            }
        )

    components_by_id = {}
    for project in projects:
        for component in store.list_stack_components(project_name_or_id=project.id):
            components_by_id[component.id] = component
            document["components"].append(
                {
                    "id": str(component.id),
                    "project": project.name,
                    "user": user_name(component.user),
                    "type": enum_value(component.type),
                    "name": component.name,
                    "flavor": component.flavor,
                    "configuration": component.configuration,
                    "is_shared": component.is_shared,
                    "created": component.created.isoformat(),
                    "updated": component.updated.isoformat(),
                }
            )

    for project in projects:
        for stack in store.list_stacks(project_name_or_id=project.id):
            document["stacks"].append(
                {
                    "id": str(stack.id),
                    "project": project.name,
                    "user": user_name(stack.user),
                    "name": stack.name,
                    "is_shared": stack.is_shared,
                    "components": stack_component_names(store, stack, components_by_id),
                    "created": stack.created.isoformat(),
                    "updated": stack.updated.isoformat(),
                }
            )

    return document


def stack_component_names(store, stack, components_by_id) -> dict:
    """Map each component type of a stack to its component name.

    ZenML 0.20 models a stack as {type: [component id]}. A type with exactly
    one component maps to that component's name, otherwise to a list of names.
    """
    names_by_type = {}
    for component_type, component_ids in stack.components.items():
        names = []
        for component_id in component_ids:
            component = components_by_id.get(component_id)
            if component is None:
                try:
                    component = store.get_stack_component(component_id)
                except KeyError:
                    names.append(f"<missing component {component_id}>")
                    continue
            names.append(component.name)
        names_by_type[enum_value(component_type)] = names[0] if len(names) == 1 else names
    return dict(sorted(names_by_type.items()))


def make_stable(document: dict) -> dict:
    """Drop ids, timestamps and the store location, and sort every list."""

    def without_volatile_keys(record: dict) -> dict:
        return {key: value for key, value in record.items() if key not in VOLATILE_KEYS}

    stable = {
        "zenml_version": document["zenml_version"],
        "store": {"type": document["store"]["type"]},
    }
    for section, fields in SORT_FIELDS.items():

        def sort_key(record: dict, fields=fields) -> tuple:
            natural_key = tuple(str(record.get(field) or "") for field in fields)
            return natural_key + (json.dumps(record, sort_keys=True, default=str),)

        records = [without_volatile_keys(record) for record in document[section]]
        stable[section] = sorted(records, key=sort_key)
    return stable


def main() -> None:
    args = parse_args()
    if not os.environ.get("ZENML_CONFIG_PATH"):
        sys.exit("error: ZENML_CONFIG_PATH is not set; set it to the ZenML 0.20 config directory to read")

    store = open_store(args.skip_default_registrations)
    document = read_store(store)
    if args.stable:
        document = make_stable(document)

    _json_output.write(json.dumps(document, indent=2, default=str) + "\n")
    _json_output.flush()


if __name__ == "__main__":
    main()
