"""Celery application. Tasks are thin adapters over services (see STYLE.md).

Without ``REDIS_URL`` the settings make Celery run every task in-process and eagerly, so the
embedded demo (`make run`) needs no broker.
"""

import os

from celery import Celery

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")

app = Celery("attest")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()
