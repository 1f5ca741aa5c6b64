"""Throw-away PostgreSQL databases for a benchmark run, on the server the test suite uses.

BENCH_DATABASE_URL (any database on the server; default TEST_DATABASE_URL or
postgres://postgres@127.0.0.1:5432/attest) names the server.
"""

from __future__ import annotations

import os
from urllib.parse import urlsplit, urlunsplit


def server_url() -> str:
    """The PostgreSQL server to benchmark on, as a URL naming some database on it."""
    return os.environ.get(
        "BENCH_DATABASE_URL",
        os.environ.get("TEST_DATABASE_URL", "postgres://postgres@127.0.0.1:5432/attest"),
    )


def database_url(name: str) -> str:
    """The server's URL with the database part replaced by ``name``."""
    parts = urlsplit(server_url())
    return urlunsplit((parts.scheme, parts.netloc, f"/{name}", "", ""))


def _admin_connection():
    import psycopg

    return psycopg.connect(
        database_url("postgres").replace("postgres://", "postgresql://", 1), autocommit=True
    )


def create_database(name: str) -> None:
    with _admin_connection() as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        conn.execute(f'CREATE DATABASE "{name}"')


def drop_database(name: str) -> None:
    with _admin_connection() as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def postgres_version() -> str:
    with _admin_connection() as conn:
        return conn.execute("SHOW server_version").fetchone()[0]
