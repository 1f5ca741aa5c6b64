"""Test settings: the real settings, pointed at PostgreSQL and Redis on loopback.

`make test` (and CI) run the suite against PostgreSQL and Redis, never SQLite. Each run uses its
own database name so that parallel sessions on one machine do not collide.
"""

import os
import tempfile
from pathlib import Path

os.environ.setdefault("DEBUG", "false")
os.environ.setdefault("SECRET_KEY", "test-secret-key-not-for-production")
os.environ.setdefault("ATTEST_SECRETS_KEY", "x0QPwKkJPh1u0LwG0ZxqUQn2Zb0c1n2tU8fZ3yqk0dE=")
# The suite always runs on PostgreSQL + Redis; TEST_* variables point it elsewhere.
os.environ["DATABASE_URL"] = os.environ.get(
    "TEST_DATABASE_URL", "postgres://postgres@127.0.0.1:5432/attest"
)
os.environ["REDIS_URL"] = os.environ.get("TEST_REDIS_URL", "redis://127.0.0.1:6379/15")
os.environ.setdefault("ALLOWED_HOSTS", "testserver,127.0.0.1,localhost")
# The production security defaults stay on, except the HTTPS redirect (tests speak HTTP).
os.environ.setdefault("SECURE_SSL_REDIRECT", "false")

from config.settings import *  # noqa: E402,F403
from config.settings import CACHES, DATABASES, STORAGES  # noqa: E402

DATABASES["default"]["TEST"] = {"NAME": f"test_attest_{os.getpid()}"}
DATABASES["default"]["CONN_MAX_AGE"] = 0
# Flushes between tests bypass the audit table's append-only triggers (config/testdb).
DATABASES["default"]["ENGINE"] = "config.testdb"
# Rate-limit counters of parallel runs on one Redis must not meet.
CACHES["default"]["KEY_PREFIX"] = f"attest-test-{os.getpid()}"

PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]  # speed only
# Serve static files from the app folders, as in development (no collectstatic before tests).
WHITENOISE_USE_FINDERS = True
STATIC_ROOT = Path(tempfile.gettempdir()) / "attest-test-static"
STATIC_ROOT.mkdir(parents=True, exist_ok=True)
STORAGES["staticfiles"] = {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"}
SESSION_COOKIE_SECURE = False
CSRF_COOKIE_SECURE = False
EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
# Tests run tasks eagerly unless a test starts a real worker on purpose.
CELERY_TASK_ALWAYS_EAGER = True
ATTEST_EAGER_BACKGROUND_TASKS: list[str] = []  # tests wait for eager tasks, unless one asks
# The webhook receivers tests start listen on loopback (issue 23, outgoing events).
ATTEST_WEBHOOKS_ALLOW_PRIVATE_TARGETS = True
ATTEST_USAGE_PROMETHEUS_ALLOW_PRIVATE = True  # the tests' Prometheus listens on 127.0.0.1
