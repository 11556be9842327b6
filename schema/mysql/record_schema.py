"""Record the MySQL tables that the real ZenML 0.20.5 creates, as SHOW CREATE TABLE output.

Run it with the project's virtual environment, next to a MySQL or MariaDB
server on which the admin user may create databases and users:

    .venv/bin/python schema/mysql/record_schema.py [--check]

It creates a scratch database and a user with a random password, because
ZenML 0.20.5 rejects a MySQL URL without a password. Then the real ZenML
0.20.5 opens a store there (tests/oracle/harness.py builds its environment
on first use). The script writes the SHOW CREATE TABLE statement of every
ZenML `*schema` table to zenml-0.20.5.sql next to this script, and drops the
database and the user again. The ML-Metadata tables that ZenML adds to the
same database are not recorded. With --check it compares instead of writing
and exits with 1 when the file differs.

The admin password, if any, comes from the MYSQL_PWD environment variable,
as for the mysql client.
"""

import argparse
import difflib
import os
import secrets
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pymysql

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "tests"))

from oracle.harness import ZENML_VERSION, read_store  # noqa: E402

OUTPUT = Path(__file__).resolve().parent / f"zenml-{ZENML_VERSION}.sql"

# ZenML 0.20.5 leaves the character set and collation to the database. These
# are the defaults of the MariaDB 10.11 server the file was recorded on. The
# tests create their databases with the same options, so the table options compare equal.
DATABASE_OPTIONS = "CHARACTER SET utf8mb4 COLLATE utf8mb4_general_ci"


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--host", default="127.0.0.1", help="server address (default: 127.0.0.1)")
    parser.add_argument("--port", type=int, default=3306, help="server port (default: 3306)")
    parser.add_argument("--admin-user", default="root", help="user that creates the scratch database and user (default: root)")
    parser.add_argument("--check", action="store_true", help=f"compare with {OUTPUT.name} instead of writing it")
    return parser.parse_args()


def admin_connection(args: argparse.Namespace) -> pymysql.Connection:
    return pymysql.connect(
        host=args.host,
        port=args.port,
        user=args.admin_user,
        password=os.environ.get("MYSQL_PWD", ""),
        autocommit=True,
        charset="utf8mb4",
    )


@contextmanager
def scratch_database(admin: pymysql.Connection) -> Iterator[tuple[str, str, str]]:
    """Create a database and a user with a random password that may use it; drop both afterwards.

    Yields the database name, the user name and the password.
    """
    name = f"zenml_schema_{secrets.token_hex(4)}"
    password = secrets.token_urlsafe(16)
    # The server identifies a client of 127.0.0.1 as 127.0.0.1 or as
    # localhost, depending on name resolution, so the user is created for both.
    hosts = ("127.0.0.1", "localhost")
    with admin.cursor() as cursor:
        cursor.execute(f"CREATE DATABASE `{name}` {DATABASE_OPTIONS}")
        try:
            for host in hosts:
                cursor.execute(f"CREATE USER '{name}'@'{host}' IDENTIFIED BY %s", (password,))
                cursor.execute(f"GRANT ALL PRIVILEGES ON `{name}`.* TO '{name}'@'{host}'")
            yield name, name, password
        finally:
            for host in hosts:
                cursor.execute(f"DROP USER IF EXISTS '{name}'@'{host}'")
            cursor.execute(f"DROP DATABASE IF EXISTS `{name}`")


def zenml_tables(admin: pymysql.Connection, database: str) -> dict[str, str]:
    """Return the SHOW CREATE TABLE statement of every ZenML table in the database, by table name."""
    with admin.cursor() as cursor:
        cursor.execute(f"SHOW TABLES FROM `{database}` LIKE '%%schema'")
        names = sorted(row[0] for row in cursor.fetchall())
        statements = {}
        for name in names:
            cursor.execute(f"SHOW CREATE TABLE `{database}`.`{name}`")
            statements[name] = cursor.fetchone()[1]
        return statements


def server_version(admin: pymysql.Connection) -> str:
    with admin.cursor() as cursor:
        cursor.execute("SELECT VERSION()")
        return cursor.fetchone()[0]


def render(statements: dict[str, str], version: str) -> str:
    header = [
        f"-- The tables that ZenML {ZENML_VERSION} creates on MySQL (SQLModel metadata.create_all),",
        "-- as SHOW CREATE TABLE prints them. Written by schema/mysql/record_schema.py;",
        "-- run it again to regenerate this file.",
        f"-- Server: {version}. Database options: {DATABASE_OPTIONS}.",
    ]
    body = [f"{statement};" for _, statement in sorted(statements.items())]
    return "\n".join(header) + "\n\n" + "\n\n".join(body) + "\n"


def main() -> int:
    args = parse_args()
    admin = admin_connection(args)
    try:
        version = server_version(admin)
        with scratch_database(admin) as (database, user, password):
            url = f"mysql://{user}:{password}@{args.host}:{args.port}/{database}"
            read_store(url, skip_default_registrations=True)
            statements = zenml_tables(admin, database)
    finally:
        admin.close()

    # The scratch database name never appears in SHOW CREATE TABLE output.
    text = render(statements, version)
    if args.check:
        current = OUTPUT.read_text(encoding="utf-8") if OUTPUT.exists() else ""
        if current != text:
            sys.stdout.writelines(difflib.unified_diff(current.splitlines(True), text.splitlines(True), str(OUTPUT), "recorded now"))
            return 1
        print(f"{OUTPUT} matches ZenML {ZENML_VERSION} on {version}")
        return 0
    OUTPUT.write_text(text, encoding="utf-8")
    print(f"Wrote {len(statements)} tables to {OUTPUT}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
