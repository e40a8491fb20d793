"""The Celery app.

`REDIS_URL` unset: tasks run in-process, eagerly, and their errors propagate (the embedded default).
`REDIS_URL` set: tasks go to Redis and `make worker` runs them.
"""

import os

from celery import Celery

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.base")

app = Celery("dealdesk")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()
