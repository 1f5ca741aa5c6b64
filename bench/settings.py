"""Settings of the benchmark stack: the production settings exactly as the Dockerfile runs them
(env-driven ``config.settings``; bench/stack.py sets the environment), plus two changes:

- ``ROOT_URLCONF = "bench.urls"``: the project's URLs plus ``/bench/floor/``, a bare Django view
  that is the framework's floor for the gate comparison;
- the per-token rate limits are lifted, or they would throttle the benchmark instead of
  measuring it;
- static files are collected with Django's manifest storage (hashed names, as in production)
  but without WhiteNoise's gzip/brotli pre-compression: the image does that once at build time
  (about 90 s on 2 cores), and no measured request serves a static file.

The cache key prefix is made unique per run, so a benchmark never meets the test suite's (or
another run's) rate-limit counters on a shared Redis.
"""

import os

from config.settings import *  # noqa: F403
from config.settings import CACHES, STORAGES

ROOT_URLCONF = "bench.urls"
ATTEST_RATE_GATE = "1000000000/60"
ATTEST_RATE_API = "1000000000/60"
CACHES["default"]["KEY_PREFIX"] = f"attest-bench-{os.environ.get('BENCH_RUN_ID', 'local')}"
STORAGES["staticfiles"] = {
    "BACKEND": "django.contrib.staticfiles.storage.ManifestStaticFilesStorage"
}
