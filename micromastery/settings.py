"""Settings for Micromastery, read from the environment (see .env.example).

With nothing but ``DJANGO_DEBUG=true`` and a ``DJANGO_SECRET_KEY`` set (``make run``
writes both to an untracked ``.env``) the platform runs on embedded parts: a SQLite
file and a filesystem Celery broker under ``var/``, email to the console.
``DATABASE_URL`` and ``CELERY_BROKER_URL`` switch to PostgreSQL and Redis.
"""

from __future__ import annotations

import os
from datetime import timedelta
from pathlib import Path

import django_stubs_ext
import environ
from django.core.checks.security.base import (
    SECRET_KEY_INSECURE_PREFIX,
    SECRET_KEY_MIN_LENGTH,
    SECRET_KEY_MIN_UNIQUE_CHARACTERS,
)
from django.core.exceptions import ImproperlyConfigured

# Lets generic Django classes (ModelAdmin[Team], QuerySet[User]) be subscripted at run time.
django_stubs_ext.monkeypatch()

BASE_DIR = Path(__file__).resolve().parent.parent

env = environ.Env()
# Variables already set win over the file. MICROMASTERY_ENV_FILE names another file, or
# none when empty: the test settings and the tests' subprocesses never read a developer's.
ENV_FILE = os.environ.get("MICROMASTERY_ENV_FILE", str(BASE_DIR / ".env"))
if ENV_FILE:
    environ.Env.read_env(ENV_FILE)

# Embedded parts (SQLite file, filesystem broker, collected static files) live here.
VAR_DIR = Path(env.str("MICROMASTERY_VAR_DIR", default=str(BASE_DIR / "var")))

DEBUG = env.bool("DJANGO_DEBUG", default=False)

SECRET_KEY = env.str("DJANGO_SECRET_KEY", default="")
GENERATE_SECRET_KEY = 'python -c "import secrets; print(secrets.token_urlsafe(50))"'
if not SECRET_KEY:
    raise ImproperlyConfigured(
        "DJANGO_SECRET_KEY is not set. Production needs a long random secret key: generate "
        f"one with `{GENERATE_SECRET_KEY}`; for local development `make run` writes one to .env."
    )
# Django's own measure of a weak key (what `check --deploy` warns about), enforced at start
# in production: a guessable key lets anyone sign sessions and password-reset links.
if not DEBUG and (
    len(SECRET_KEY) < SECRET_KEY_MIN_LENGTH
    or len(set(SECRET_KEY)) < SECRET_KEY_MIN_UNIQUE_CHARACTERS
    or SECRET_KEY.startswith(SECRET_KEY_INSECURE_PREFIX)
):
    raise ImproperlyConfigured(
        f"DJANGO_SECRET_KEY is too weak for production: it needs at least "
        f"{SECRET_KEY_MIN_LENGTH} characters, {SECRET_KEY_MIN_UNIQUE_CHARACTERS} of them "
        f"different, and no '{SECRET_KEY_INSECURE_PREFIX}' prefix. Generate one with "
        f"`{GENERATE_SECRET_KEY}`."
    )

# Old keys that still open sessions and the secrets encrypted at rest after a rotation
# (micromastery/common/encryption.py); comma-separated.
SECRET_KEY_FALLBACKS = env.list("DJANGO_SECRET_KEY_FALLBACKS", default=[])

ALLOWED_HOSTS = env.list("DJANGO_ALLOWED_HOSTS", default=[])
if DEBUG and not ALLOWED_HOSTS:
    ALLOWED_HOSTS = ["127.0.0.1", "localhost", "[::1]"]
if not DEBUG and not ALLOWED_HOSTS:
    raise ImproperlyConfigured(
        "DJANGO_ALLOWED_HOSTS is not set. List the host names this deployment serves, "
        "comma-separated (for example learn.example.com)."
    )
CSRF_TRUSTED_ORIGINS = env.list("DJANGO_CSRF_TRUSTED_ORIGINS", default=[])

# seed_demo creates accounts with a known password: only ever on a local machine.
MICROMASTERY_DEMO_DATA_ALLOWED = DEBUG

# A learner has mastered a micromastery when they completed its practice and held a
# teach-back with at least this many attendees' feedback.
TEACHBACK_MASTERY_MIN_FEEDBACK = env.int("TEACHBACK_MASTERY_MIN_FEEDBACK", default=1)

# Where links in emails and calendar invitations point to.
SITE_URL = env.str("MICROMASTERY_SITE_URL", default="http://127.0.0.1:8000").rstrip("/")

INSTALLED_APPS = [
    "micromastery.common.admin_apps.AdminConfig",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.forms",  # its widget templates, for FORM_RENDERER below
    "rest_framework",
    "django_filters",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "django_htmx",
    "axes",
    "csp",
    "adminsortable2",
    "micromastery.common",
    "micromastery.demo",
    "accounts",
    "accounts.sso",
    "accounts.scim",
    "courses",
    "practice",
    "practice.nudges",
    "practice.cohorts",
    "practice.teachback",
    "payoff",
    "payoff.xapi",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "accounts.middleware.UserTimezoneMiddleware",
    # After authentication: a signed-in person's own language wins over the browser's.
    "accounts.middleware.UserLanguageMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "csp.middleware.CSPMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    # Axes must be last: it turns a locked-out login into the lockout response.
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "micromastery.urls"
WSGI_APPLICATION = "micromastery.wsgi.application"
# Our field template escapes help text (see micromastery/common/forms.py).
FORM_RENDERER = "micromastery.common.forms.FormRenderer"
ASGI_APPLICATION = "micromastery.asgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "csp.context_processors.nonce",
                "accounts.context_processors.roles",
                "practice.nudges.context_processors.notifications",
                "payoff.context_processors.dashboard_link",
            ],
        },
    },
]

# --- Database -----------------------------------------------------------------------------
# The embedded SQLite file is shared by the web, worker and beat processes: WAL lets readers
# and the single writer work side by side, IMMEDIATE transactions take the write lock up
# front (no "database is locked" on lock upgrades) and the timeout waits for it.
SQLITE_PATH = VAR_DIR / "micromastery.sqlite3"
DATABASES = {"default": env.db("DATABASE_URL", default=f"sqlite:///{SQLITE_PATH}")}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    VAR_DIR.mkdir(parents=True, exist_ok=True)
    DATABASES["default"]["OPTIONS"] = {
        "transaction_mode": "IMMEDIATE",
        "timeout": 20,
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
    }
else:
    DATABASES["default"].setdefault("CONN_MAX_AGE", env.int("DATABASE_CONN_MAX_AGE", default=60))
    DATABASES["default"]["CONN_HEALTH_CHECKS"] = True
DATABASES["default"]["ATOMIC_REQUESTS"] = False
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# --- Cache --------------------------------------------------------------------------------
# Each process keeps what never changes once written: a published version's steps and
# rendered payoff metrics, each logged attempt and the empty practice form as rendered HTML
# (practice.selectors, practice.presenters). Nothing in it needs sharing between processes,
# so it lives in process memory; the limit bounds that memory (a few KB an entry).
CACHES = {
    "default": {
        "BACKEND": "django.core.cache.backends.locmem.LocMemCache",
        "LOCATION": "micromastery",
        "OPTIONS": {"MAX_ENTRIES": env.int("CACHE_MAX_ENTRIES", default=10_000)},
    }
}

# --- Accounts and sign-in -----------------------------------------------------------------
AUTH_USER_MODEL = "accounts.User"
AUTHENTICATION_BACKENDS = [
    "accounts.backends.LockoutBackend",
    # Refuses passwords of organizations that require single sign-on, before ModelBackend.
    "accounts.sso.backends.SingleSignOnRequiredBackend",
    "accounts.backends.PasswordBackend",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "login"
PASSWORD_RESET_TIMEOUT = 60 * 60 * 24 * 3

# Failed sign-ins are counted per email and address pair, whether or not the email exists,
# so the lockout never tells an attacker which accounts are real.
AXES_FAILURE_LIMIT = env.int("AXES_FAILURE_LIMIT", default=5)
AXES_COOLOFF_TIME = timedelta(minutes=15)
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_CALLABLE = "accounts.lockout.lockout_response"
AXES_USERNAME_CALLABLE = "accounts.lockout.username_from_credentials"
AXES_HANDLER = "accounts.lockout.AxesHandler"
AXES_IPWARE_PROXY_COUNT = env.int("AXES_PROXY_COUNT", default=0)
AXES_VERBOSE = False

# --- Internationalisation and time --------------------------------------------------------
# The interface speaks these languages; each person's is chosen by accounts.languages
# (their own choice, their directory's, their browser's, then their organization's default).
# Names are each language's own, as a picker shows them.
LANGUAGE_CODE = "en"
LANGUAGES = [("en", "English"), ("de", "Deutsch"), ("fr", "Français"), ("es", "Español")]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = "UTC"
USE_I18N = True
USE_TZ = True

# --- Static files -------------------------------------------------------------------------
STATIC_URL = "/static/"
STATIC_ROOT = VAR_DIR / "static"
STATICFILES_DIRS = [BASE_DIR / "static"]
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": (
            "django.contrib.staticfiles.storage.StaticFilesStorage"
            if DEBUG
            else "whitenoise.storage.CompressedManifestStaticFilesStorage"
        )
    },
}

# --- Email --------------------------------------------------------------------------------
EMAIL_BACKEND = env.str(
    "EMAIL_BACKEND",
    default=(
        "django.core.mail.backends.console.EmailBackend"
        if DEBUG
        else "django.core.mail.backends.smtp.EmailBackend"
    ),
)
EMAIL_HOST = env.str("EMAIL_HOST", default="localhost")
EMAIL_PORT = env.int("EMAIL_PORT", default=25)
EMAIL_HOST_USER = env.str("EMAIL_HOST_USER", default="")
EMAIL_HOST_PASSWORD = env.str("EMAIL_HOST_PASSWORD", default="")
EMAIL_USE_TLS = env.bool("EMAIL_USE_TLS", default=False)
EMAIL_TIMEOUT = 10
DEFAULT_FROM_EMAIL = env.str("DEFAULT_FROM_EMAIL", default="Micromastery <noreply@localhost>")
SERVER_EMAIL = DEFAULT_FROM_EMAIL

# --- API ----------------------------------------------------------------------------------
# An API token unused for this many days stops working (each use keeps it alive).
API_TOKEN_IDLE_DAYS = env.int("MICROMASTERY_API_TOKEN_IDLE_DAYS", default=30)
REST_FRAMEWORK = {
    # Tokens first: a request with no credentials then gets 401 with
    # "WWW-Authenticate: Token" (the session class has no challenge to offer).
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "accounts.api.authentication.ApiTokenAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    # Bodies are JSON (they nest: steps, payoff metrics); a form body is a 415, not a
    # half-read request.
    "TEST_REQUEST_DEFAULT_FORMAT": "json",
    "DEFAULT_PAGINATION_CLASS": "micromastery.common.api.Pagination",
    "PAGE_SIZE": 50,
    "DEFAULT_FILTER_BACKENDS": ["django_filters.rest_framework.DjangoFilterBackend"],
    "DEFAULT_SCHEMA_CLASS": "micromastery.common.openapi.AutoSchema",
    "EXCEPTION_HANDLER": "micromastery.common.api.exception_handler",
    # JSON bodies only (the API documents no other), through a parser that refuses absurd
    # nesting and numbers.
    "DEFAULT_PARSER_CLASSES": ["micromastery.common.parsers.BoundedJSONParser"],
    "DEFAULT_RENDERER_CLASSES": ["rest_framework.renderers.JSONRenderer"]
    + (["rest_framework.renderers.BrowsableAPIRenderer"] if DEBUG else []),
}
SPECTACULAR_SETTINGS = {
    "TITLE": "Micromastery API",
    "DESCRIPTION": (
        "Micromasteries, enrolments, practice, teach-back and payoff. Authenticate with a "
        "session or with `Authorization: Token <key>` from `POST /api/v1/auth/token/`. "
        'Errors have the shape `{"error": {"code", "message", "fields"}}`.'
    ),
    "VERSION": "1",
    "SERVE_INCLUDE_SCHEMA": False,
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    "COMPONENT_SPLIT_REQUEST": True,
    # Several models have a "status"; each choice set gets its own schema name.
    "ENUM_NAME_OVERRIDES": {
        "PublicationStatusEnum": "courses.models.PublicationStatus",
        "TeachBackStatusEnum": "practice.teachback.models.SessionStatus",
        "EnrollmentStatusEnum": "practice.models.EnrollmentStatus",
        "LanguageEnum": "micromastery.settings.LANGUAGES",
    },
}

# --- Content Security Policy: nothing is loaded from anywhere but this site. --------------
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "script-src": ["'self'"],
        "style-src": ["'self'"],
        "img-src": ["'self'", "data:"],
        "font-src": ["'self'"],
        "connect-src": ["'self'"],
        # The service worker and the manifest that make the app installable and offline.
        "worker-src": ["'self'"],
        "manifest-src": ["'self'"],
        "frame-ancestors": ["'none'"],
        "form-action": ["'self'"],
        "base-uri": ["'self'"],
        "object-src": ["'none'"],
    }
}

# --- Celery -------------------------------------------------------------------------------
# The database is the source of truth; the broker only carries work. Without a broker URL,
# Celery uses kombu's filesystem transport under var/ so nothing needs to be installed.
CELERY_BROKER_URL = env.str("CELERY_BROKER_URL", default="filesystem://")
CELERY_BROKER_DIR = VAR_DIR / "celery-broker"
if CELERY_BROKER_URL.startswith("filesystem://"):
    CELERY_BROKER_DIR.mkdir(parents=True, exist_ok=True)
    (VAR_DIR / "celery-control").mkdir(parents=True, exist_ok=True)
    CELERY_BROKER_TRANSPORT_OPTIONS = {
        "data_folder_in": str(CELERY_BROKER_DIR),
        "data_folder_out": str(CELERY_BROKER_DIR),
        "control_folder": str(VAR_DIR / "celery-control"),
        "store_processed": False,
    }
else:
    # Redelivery after a lost worker: longer than the longest task's hard time limit.
    CELERY_BROKER_TRANSPORT_OPTIONS = {"visibility_timeout": 60 * 30}
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
CELERY_TASK_IGNORE_RESULT = True
CELERY_TASK_SERIALIZER = "json"
CELERY_RESULT_SERIALIZER = "json"
CELERY_ACCEPT_CONTENT = ["json"]
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TASK_SOFT_TIME_LIMIT = 60 * 5
CELERY_TASK_TIME_LIMIT = 60 * 6
CELERY_TASK_DEFAULT_QUEUE = env.str("CELERY_TASK_DEFAULT_QUEUE", default="micromastery")
CELERY_TIMEZONE = "UTC"
CELERY_BEAT_SCHEDULE_FILENAME = str(VAR_DIR / "celerybeat-schedule")

# --- Nudges -------------------------------------------------------------------------------
# Team webhooks may only reach public addresses, except on a developer's machine.
NUDGE_WEBHOOK_ALLOW_PRIVATE_TARGETS = env.bool(
    "MICROMASTERY_WEBHOOK_ALLOW_PRIVATE_TARGETS", default=DEBUG
)
NUDGE_WEBHOOK_TIMEOUT_SECONDS = env.float("MICROMASTERY_WEBHOOK_TIMEOUT", default=5.0)
# Team chat posts run on a queue of their own (a worker consumes it with -Q), so that a
# stalled receiver delays no email.
NUDGE_WEBHOOK_QUEUE = env.str("MICROMASTERY_WEBHOOK_QUEUE", default="webhooks")
# A receiver that did not answer in time may have posted the message: one more try, after
# this pause. Connection errors and 5xx back off from the base, doubling, up to the cap.
NUDGE_WEBHOOK_TIMEOUT_PAUSE_SECONDS = env.float("MICROMASTERY_WEBHOOK_TIMEOUT_PAUSE", default=60.0)
NUDGE_WEBHOOK_RETRY_BASE_SECONDS = env.float("MICROMASTERY_WEBHOOK_RETRY_BASE", default=1.0)
NUDGE_WEBHOOK_RETRY_MAX_SECONDS = env.float("MICROMASTERY_WEBHOOK_RETRY_MAX", default=60.0)
# Outbox emails (invitations, cancellations, password links) retry a failed send from the
# base, doubling, up to the cap, this many times: the defaults ride out a mail server that
# is down for about 18 minutes. After that the failure shows in the admin's outbox.
OUTBOX_RETRY_BASE_SECONDS = env.float("MICROMASTERY_OUTBOX_RETRY_BASE", default=2.0)
OUTBOX_RETRY_MAX_SECONDS = env.float("MICROMASTERY_OUTBOX_RETRY_MAX", default=300.0)
OUTBOX_RETRY_LIMIT = env.int("MICROMASTERY_OUTBOX_RETRY_LIMIT", default=10)
# How long a Learning Record Store has to answer one statement (then it is retried).
XAPI_TIMEOUT_SECONDS = env.float("MICROMASTERY_XAPI_TIMEOUT", default=10.0)

# --- Quick log ----------------------------------------------------------------------------
# How long the one-tap link in a nudge logs a repetition without signing in. Long enough
# for a nudge read the next shift; after that the learner signs in and logs from the step.
QUICK_LOG_LINK_HOURS = env.int("MICROMASTERY_QUICK_LOG_LINK_HOURS", default=72)

# --- Security in production ---------------------------------------------------------------
SESSION_COOKIE_HTTPONLY = True
CSRF_COOKIE_HTTPONLY = False
X_FRAME_OPTIONS = "DENY"
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
if not DEBUG:
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    SECURE_SSL_REDIRECT = env.bool("DJANGO_SECURE_SSL_REDIRECT", default=True)
    # /healthz is probed over plain HTTP inside the deployment network.
    SECURE_REDIRECT_EXEMPT = [r"^healthz$"]
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True
    SECURE_HSTS_SECONDS = env.int("DJANGO_SECURE_HSTS_SECONDS", default=60 * 60 * 24 * 365)
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    SECURE_HSTS_PRELOAD = True

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain"}},
    "root": {"handlers": ["console"], "level": env.str("LOG_LEVEL", default="INFO")},
    "loggers": {"axes": {"level": "WARNING"}},
}
