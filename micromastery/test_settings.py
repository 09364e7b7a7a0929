"""Test overlay: what tests need and production must never have."""

import os

# Tests run on what they set themselves, never on a developer's .env (see settings.py).
os.environ.setdefault("MICROMASTERY_ENV_FILE", "")
os.environ.setdefault("DJANGO_SECRET_KEY", "tests-only-" + "x" * 50)
os.environ.setdefault("DJANGO_DEBUG", "false")
os.environ.setdefault("DJANGO_ALLOWED_HOSTS", "testserver,127.0.0.1,localhost")
os.environ.setdefault("DJANGO_SECURE_SSL_REDIRECT", "false")

from micromastery.settings import *  # noqa: F403
from micromastery.settings import DATABASES, VAR_DIR

MICROMASTERY_DEMO_DATA_ALLOWED = True
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
# Worker processes started by reliability tests deliver to a local SMTP server instead.
EMAIL_BACKEND = os.environ.get(
    "MICROMASTERY_TEST_EMAIL_BACKEND", "django.core.mail.backends.locmem.EmailBackend"
)
# Webhook tests post to a receiver on 127.0.0.1.
NUDGE_WEBHOOK_ALLOW_PRIVATE_TARGETS = True
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
SESSION_COOKIE_SECURE = False
CSRF_COOKIE_SECURE = False

# Tests that start a real Celery worker or a browser share the test database with another
# process: on SQLite that needs a file rather than the default in-memory database.
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    DATABASES["default"]["TEST"] = {"NAME": str(VAR_DIR / "test.sqlite3")}
# A worker process started by a test is pointed at the test database by name.
if os.environ.get("MICROMASTERY_TEST_DATABASE_NAME"):
    DATABASES["default"]["NAME"] = os.environ["MICROMASTERY_TEST_DATABASE_NAME"]

# Tasks queued by tests go to a queue (and, on the filesystem broker, a folder) of their own,
# so that a local development worker never runs them against the development database.
from micromastery.settings import CELERY_BROKER_URL  # noqa: E402

CELERY_TASK_DEFAULT_QUEUE = os.environ.get("CELERY_TASK_DEFAULT_QUEUE", "micromastery-tests")
if CELERY_BROKER_URL.startswith("filesystem://"):
    _TEST_BROKER_DIR = VAR_DIR / "test-celery-broker"
    _TEST_BROKER_DIR.mkdir(parents=True, exist_ok=True)
    (VAR_DIR / "test-celery-control").mkdir(parents=True, exist_ok=True)
    CELERY_BROKER_TRANSPORT_OPTIONS = {
        "data_folder_in": str(_TEST_BROKER_DIR),
        "data_folder_out": str(_TEST_BROKER_DIR),
        "control_folder": str(VAR_DIR / "test-celery-control"),
        "store_processed": False,
    }
