"""Test settings: SQLite by default (DATABASE_URL switches to PostgreSQL), fast hashing, eager tasks."""

import os

os.environ.setdefault("DEBUG", "true")

from .base import *  # noqa: F403
from .base import BASE_DIR

PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
MEDIA_ROOT = BASE_DIR / ".test-media"
MATCH_INDEX_DIR = BASE_DIR / ".test-media" / "match-index"  # tests/matching: one folder per test
CELERY_TASK_ALWAYS_EAGER = True
# Embedding a text costs ~0.1 s of CPU: off by default, on in the tests of the semantic stage.
MATCH_SEMANTIC = False
CELERY_BROKER_URL = "memory://"
ALLOWED_HOSTS = ["testserver", "127.0.0.1", "localhost"]
