"""Test-only knobs on top of the real settings: eager Celery, a fast hasher, a local cache."""

import os

os.environ.setdefault("DEBUG", "true")

from servicecenter.settings import *  # noqa: E402,F403
from servicecenter.settings import DATABASES, STATIC_ROOT, VAR_DIR  # noqa: E402

# A second alias for the replica router's test (tests/servicecenter/test_replica_router.py): its
# own test database, empty (the router never migrates it); READ_REPLICA stays off elsewhere.
if "replica" not in DATABASES:
    # MIGRATE False: the router lets no migration run there anyway, and walking the whole
    # migration history for nothing doubled the cost of setting up each worker's databases.
    DATABASES["replica"] = {**DATABASES["default"], "TEST": {"MIGRATE": False}}
    if DATABASES["default"]["ENGINE"] != "django.db.backends.sqlite3":
        DATABASES["replica"]["TEST"]["NAME"] = f"test_{DATABASES['default']['NAME']}_replica"

PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
CELERY_TASK_ALWAYS_EAGER = True
CELERY_TASK_EAGER_PROPAGATES = True
CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
STORAGES = {
    "default": {
        "BACKEND": "django.core.files.storage.FileSystemStorage",
        "OPTIONS": {"location": str(VAR_DIR / "test-media")},
    },
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
LANGUAGE_CODE = "en"
SECURE_SSL_REDIRECT = False

STATIC_ROOT.mkdir(parents=True, exist_ok=True)  # whitenoise warns about a missing folder otherwise
