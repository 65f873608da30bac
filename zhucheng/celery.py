"""The Celery application: heavy work (PDFs, large exports and imports, the
assessment compute, the daily reminders) runs on worker processes, never on a
web worker.

Production sets ``CELERY_BROKER_URL`` (or ``REDIS_URL``, which then serves as
the broker too) and runs ``celery -A zhucheng worker`` beside gunicorn. With no
broker configured (``make run``, the tests) tasks run eagerly in the calling
process, through the same task functions.
"""

import os

from celery import Celery

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "zhucheng.settings")

app = Celery("zhucheng")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()
