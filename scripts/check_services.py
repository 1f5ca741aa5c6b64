"""Stop `make test` early, with one line, when PostgreSQL or Redis is not reachable.

Reads the same TEST_DATABASE_URL / TEST_REDIS_URL defaults as config/settings_test.py.
"""

from __future__ import annotations

import os
import sys
from urllib.parse import urlparse

import psycopg
import redis

DB_URL = os.environ.get("TEST_DATABASE_URL", "postgres://postgres@127.0.0.1:5432/attest")
REDIS_URL = os.environ.get("TEST_REDIS_URL", "redis://127.0.0.1:6379/15")


def main() -> int:
    db = urlparse(DB_URL)
    try:
        psycopg.connect(
            host=db.hostname,
            port=db.port or 5432,
            user=db.username or "postgres",
            password=db.password,
            dbname="postgres",
            connect_timeout=3,
        ).close()
    except psycopg.Error as exc:
        reason = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        print(
            f"make test: PostgreSQL is not reachable at {db.hostname}:{db.port or 5432} "
            f"({reason}); start it or set TEST_DATABASE_URL.",
            file=sys.stderr,
        )
        return 1
    try:
        redis.Redis.from_url(REDIS_URL, socket_connect_timeout=3).ping()
    except redis.RedisError as exc:
        print(
            f"make test: Redis is not reachable at {REDIS_URL} ({exc}); start it or set "
            f"TEST_REDIS_URL.",
            file=sys.stderr,
        )
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
