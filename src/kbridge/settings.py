"""K-Bridge settings: one module, driven by environment variables.

A fresh checkout runs with no variables set: SQLite (WAL) under ``var/``, DEBUG on, console
e-mail. Production sets ``KBRIDGE_ENV=production`` (or ``DEBUG=0``), ``SECRET_KEY``,
``ALLOWED_HOSTS`` and ``DATABASE_URL``. Unknown or malformed values fail at start-up rather
than being silently ignored.
"""

from __future__ import annotations

import os
from pathlib import Path

import dj_database_url
from csp.constants import NONE, SELF
from django.core.exceptions import ImproperlyConfigured
from django.utils.translation import gettext_lazy as _

from kbridge.core.rates import parse_rate

BASE_DIR = Path(__file__).resolve().parent
PROJECT_DIR = BASE_DIR.parent.parent
VAR_DIR = Path(os.environ.get("KBRIDGE_VAR_DIR", PROJECT_DIR / "var"))


def env_bool(name: str, default: bool) -> bool:
    raw = os.environ.get(name)
    if raw is None or raw == "":
        return default
    value = raw.strip().lower()
    if value in {"1", "true", "yes", "on"}:
        return True
    if value in {"0", "false", "no", "off"}:
        return False
    raise ImproperlyConfigured(f"{name} must be a boolean (1/0/true/false), got {raw!r}")


def env_int(name: str, default: int) -> int:
    raw = os.environ.get(name)
    if raw is None or raw == "":
        return default
    try:
        return int(raw)
    except ValueError as exc:
        raise ImproperlyConfigured(f"{name} must be an integer, got {raw!r}") from exc


def env_list(name: str, default: list[str]) -> list[str]:
    raw = os.environ.get(name)
    if raw is None or raw.strip() == "":
        return default
    return [item.strip() for item in raw.split(",") if item.strip()]


KBRIDGE_ENV = os.environ.get("KBRIDGE_ENV", "development")
if KBRIDGE_ENV not in {"development", "production", "test"}:
    raise ImproperlyConfigured("KBRIDGE_ENV must be development, production or test")
PRODUCTION = KBRIDGE_ENV == "production"

DEBUG = env_bool("DEBUG", not PRODUCTION)
SECRET_KEY = os.environ.get("SECRET_KEY", "")
if not SECRET_KEY:
    if PRODUCTION:
        raise ImproperlyConfigured("SECRET_KEY must be set in production")
    SECRET_KEY = "insecure-development-key-only-for-local-demo-and-tests"  # noqa: S105

ALLOWED_HOSTS = env_list(
    "ALLOWED_HOSTS", [] if PRODUCTION else ["127.0.0.1", "localhost", "[::1]", "testserver"]
)
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS", [])
# The public address links in e-mails point at. Required in production (``check --deploy``);
# in development an unset SITE_URL means "where the request was served" (core/site.py).
SITE_URL = os.environ.get("SITE_URL", "").rstrip("/")

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "django_htmx",
    "csp",
    "rules.apps.AutodiscoverRulesConfig",
    "django_tasks",
    "django_tasks_db",
    "kbridge.core",
    "kbridge.accounts",
    "kbridge.programs",
    "kbridge.applications",
    "kbridge.matching",
    "kbridge.evaluation",
    "kbridge.selection",
    "kbridge.events",
    "kbridge.alliance",
    "kbridge.api",
    "kbridge.portal",  # the top layer: cross-app pages and the demo seed (last)
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "csp.middleware.CSPMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "kbridge.core.middleware.RequestIDMiddleware",
    "kbridge.core.site.ServedOriginMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "kbridge.applications.middleware.UploadSizeGuardMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "kbridge.accounts.middleware.IdleTimeoutMiddleware",
    "kbridge.accounts.middleware.LoginThrottleMiddleware",
    "kbridge.core.middleware.AuditContextMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "kbridge.core.middleware.MethodNotAllowedPageMiddleware",
]

ROOT_URLCONF = "kbridge.urls"
WSGI_APPLICATION = "kbridge.wsgi.application"

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
                "kbridge.core.context_processors.kbridge",
            ],
        },
    }
]

# --- Database -------------------------------------------------------------------------------
DATABASE_URL = os.environ.get("DATABASE_URL", "")
if DATABASE_URL:
    DATABASES = {"default": dj_database_url.parse(DATABASE_URL, conn_max_age=60)}
    DATABASES["default"]["CONN_HEALTH_CHECKS"] = True
    if DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql":
        DATABASES["default"].setdefault("TEST", {})["NAME"] = os.environ.get(
            "KBRIDGE_TEST_DB_NAME", "test_kbridge"
        )
else:
    VAR_DIR.mkdir(parents=True, exist_ok=True)
    DATABASES = {
        "default": {
            "ENGINE": "django.db.backends.sqlite3",
            "NAME": VAR_DIR / "kbridge.sqlite3",
            "OPTIONS": {
                # WAL lets readers proceed while one writer commits; IMMEDIATE transactions
                # take the write lock up front so concurrent writers queue instead of failing.
                "init_command": (
                    "PRAGMA journal_mode=WAL;PRAGMA synchronous=NORMAL;"
                    "PRAGMA busy_timeout=10000;PRAGMA foreign_keys=ON;"
                ),
                "transaction_mode": "IMMEDIATE",
            },
            # Tests use a file too (not the in-memory default): the browser tests' live
            # server and the test share it through real connections with the same locking
            # (WAL, busy timeout) as production, instead of shared-cache table locks.
            "TEST": {"NAME": str(VAR_DIR / "test-kbridge.sqlite3")},
        }
    }
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# --- Auth -----------------------------------------------------------------------------------
AUTH_USER_MODEL = "accounts.User"
AUTHENTICATION_BACKENDS = [
    # First, so that every authenticate() call (sign-in page, admin, any other) is throttled.
    "kbridge.accounts.backends.LoginThrottleBackend",
    "rules.permissions.ObjectPermissionBackend",
    "django.contrib.auth.backends.ModelBackend",
]
PASSWORD_HASHERS = [
    "django.contrib.auth.hashers.Argon2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator",
     "OPTIONS": {"min_length": 10}},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "accounts:login"
LOGIN_REDIRECT_URL = "dashboard"
LOGOUT_REDIRECT_URL = "public:call_list"
PASSWORD_RESET_TIMEOUT = 60 * 60 * 24
# Sessions: absolute lifetime 12 h, idle timeout 30 min (enforced by IdleTimeoutMiddleware).
SESSION_COOKIE_AGE = 60 * 60 * 12
SESSION_IDLE_TIMEOUT = env_int("SESSION_IDLE_TIMEOUT", 30 * 60)
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"

# --- Throttling (kbridge.core.throttle; docs/decisions.md "Throttling design") -------------
# Fixed windows counted atomically in the database, shared by every process. Login limits are
# per account *and* client address, plus a looser one per address: never per account alone,
# so nobody can lock an owner out from elsewhere. Rates are "<hits>/<n><s|m|h|d>".
KBRIDGE_THROTTLE_RATES = {
    "login-account-address": "10/15m",   # sign-in attempts per account and client address
    "login-address": "100/h",            # sign-in attempts per client address, all accounts
    "password-reset-address": "10/h",    # reset requests per client address
    "password-reset-email": "3/h",       # reset requests per target e-mail (exists or not)
    "verification-resend": "3/h",        # new verification links per account
    "invitation": "50/h",                # staff invitations sent per inviting user
    "member-invitation": "20/h",         # startup member invitations per representative
    "signup": "20/h",                    # completed sign-ups per client address (both kinds)
    "search": "60/10m",                  # startup searches per user
    "account-deletion": "5/h",           # account-deletion attempts (password checks) per user
    "qna-question": "5/m",               # live Q&A questions per attendee
    "qna-vote": "60/m",                  # live Q&A votes and un-votes per attendee
    "api-token": "600/m",                # API requests per token (docs/api.md, "Rate limits")
    "api-anonymous": "120/m",            # public API requests per client address, no token
    "webhook-test": "10/h",              # test deliveries sent per webhook subscription
}
# THROTTLE_RATES="login-address=300/h,signup=50/h" overrides some of them; checked at start-up.
for _item in env_list("THROTTLE_RATES", []):
    _scope, _sep, _rate = _item.partition("=")
    if _scope.strip() not in KBRIDGE_THROTTLE_RATES:
        raise ImproperlyConfigured(f"THROTTLE_RATES: unknown scope {_scope.strip()!r}")
    KBRIDGE_THROTTLE_RATES[_scope.strip()] = _rate.strip()
for _rate in KBRIDGE_THROTTLE_RATES.values():
    parse_rate(_rate)
# Reverse proxies in front of gunicorn that append the client to X-Forwarded-For (nginx:
# proxy_set_header X-Forwarded-For $proxy_add_x_forwarded_for). 0 = use REMOTE_ADDR as is.
KBRIDGE_TRUSTED_PROXY_COUNT = env_int("TRUSTED_PROXY_COUNT", 0)
if KBRIDGE_TRUSTED_PROXY_COUNT < 0:
    raise ImproperlyConfigured("TRUSTED_PROXY_COUNT must be 0 or more")

# --- I18n -----------------------------------------------------------------------------------
LANGUAGE_CODE = "ko"
LANGUAGES = [("ko", _("Korean")), ("en", _("English"))]
LOCALE_PATHS = [BASE_DIR / "locale"]
USE_I18N = True
TIME_ZONE = "Asia/Seoul"
USE_TZ = True
LANGUAGE_COOKIE_SECURE = not DEBUG
LANGUAGE_COOKIE_HTTPONLY = True
LANGUAGE_COOKIE_SAMESITE = "Lax"

# --- Static and media -----------------------------------------------------------------------
STATIC_URL = "/static/"
STATIC_ROOT = Path(os.environ.get("STATIC_ROOT", VAR_DIR / "staticfiles"))
if not PRODUCTION:
    STATIC_ROOT.mkdir(parents=True, exist_ok=True)
# Outside production, WhiteNoise serves straight from the apps' static folders.
WHITENOISE_USE_FINDERS = not PRODUCTION
WHITENOISE_AUTOREFRESH = DEBUG
STATICFILES_DIRS = [BASE_DIR / "static"]
# Browser libraries installed with npm (package.json/package-lock.json at the project root;
# `npm ci` runs in `make install`), served as static files under vendor/ — only the folders
# pages load, never the whole node_modules. The staff check-in page's camera scanner needs
# them; without them (no npm on a demo machine) it offers typed codes only, and
# `check --deploy` fails (kbridge.events.services.tickets). docs/decisions.md, "Events:
# tickets and check-in (issue 15)".
NODE_MODULES = Path(os.environ.get("KBRIDGE_NODE_MODULES", PROJECT_DIR / "node_modules"))
NPM_STATIC = {
    "vendor/barcode-detector": NODE_MODULES / "barcode-detector" / "dist" / "iife",
    "vendor/zxing-wasm": NODE_MODULES / "zxing-wasm" / "dist" / "reader",
}
STATICFILES_DIRS += [(prefix, path) for prefix, path in NPM_STATIC.items() if path.is_dir()]
KBRIDGE_QR_SCANNER = all(path.is_dir() for path in NPM_STATIC.values())
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": (
            "whitenoise.storage.CompressedManifestStaticFilesStorage"
            if PRODUCTION
            else "django.contrib.staticfiles.storage.StaticFilesStorage"
        )
    },
}
# Uploaded files live outside the web root and are only served through permission-checked views.
MEDIA_ROOT = Path(os.environ.get("MEDIA_ROOT", VAR_DIR / "private"))
MEDIA_URL = "/_private/"

# Uploads: PDF attachments of applications. The limit is enforced from Content-Length before
# the body is read, and again while streaming (SizeLimitUploadHandler) for chunked bodies.
KBRIDGE_UPLOAD_MAX_BYTES = env_int("KBRIDGE_UPLOAD_MAX_BYTES", 20 * 1024 * 1024)
# Every stored file of one application together (current files plus those kept for submitted
# versions); an upload past it is refused with a message. Each file slot holds one file:
# uploading again replaces it (docs/decisions.md, "Input cleaning and limits").
KBRIDGE_APPLICATION_STORAGE_QUOTA_BYTES = env_int(
    "KBRIDGE_APPLICATION_STORAGE_QUOTA_BYTES", 5 * KBRIDGE_UPLOAD_MAX_BYTES)
# A draft file replaced in its slot loses its row at once and its bytes this many seconds
# later, so a backup running meanwhile still finds every file its database copy names.
KBRIDGE_REPLACED_FILE_GRACE_SECONDS = env_int("KBRIDGE_REPLACED_FILE_GRACE_SECONDS", 24 * 3600)
DATA_UPLOAD_MAX_NUMBER_FILES = 100
# Form data other than files: a draft may hold several answers of up to 50,000 characters
# each, sent URL-encoded (a Korean character takes 9 bytes), so Django's 2.5 MB default
# would refuse a legitimate autosave with a bare 400.
DATA_UPLOAD_MAX_MEMORY_SIZE = env_int("DATA_UPLOAD_MAX_MEMORY_SIZE", 10 * 1024 * 1024)
FILE_UPLOAD_HANDLERS = [
    "kbridge.applications.uploads.SizeLimitUploadHandler",
    "django.core.files.uploadhandler.MemoryFileUploadHandler",
    "django.core.files.uploadhandler.TemporaryFileUploadHandler",
]

# --- Background tasks -----------------------------------------------------------------------
TASKS = {
    "default": {
        "BACKEND": os.environ.get("TASKS_BACKEND", "django_tasks_db.DatabaseBackend"),
        "QUEUES": ["default", "email", "qna", "webhooks"],
    }
}
# A worker renews the lease of the task it runs every third of this; a task whose worker
# died (kill -9, lost machine) runs again once its lease expired (core/worker.py).
TASK_LEASE_SECONDS = env_int("TASK_LEASE_SECONDS", 60)

# --- Matching: the embedding model ------------------------------------------------------------
# Empty: the packaged default (no download). Otherwise any sentence-transformers model by name
# (downloaded on first use where the machine may) or by local path, e.g. /models/LaBSE. Only
# workers load it; changing it re-embeds every document in the background (tasks, with progress
# at /manage/matching/model/ and `python -m kbridge embeddings status`) while pages keep using
# the vectors of the model that serves now (docs/decisions.md, "Choosing the embedding model").
KBRIDGE_EMBEDDING_MODEL = os.environ.get("KBRIDGE_EMBEDDING_MODEL", "").strip()
# Put in front of every text the model embeds, e.g. "query: " for e5 models.
KBRIDGE_EMBEDDING_PREFIX = os.environ.get("KBRIDGE_EMBEDDING_PREFIX", "")
# Documents per re-embedding task (each task is one durable, resumable step).
KBRIDGE_EMBEDDING_BATCH = env_int("KBRIDGE_EMBEDDING_BATCH", 50)
if KBRIDGE_EMBEDDING_BATCH < 1:
    raise ImproperlyConfigured("KBRIDGE_EMBEDDING_BATCH must be at least 1")

# --- Webhooks (kbridge.api; docs/webhooks.md) -----------------------------------------------
# Subscription URLs must resolve to public addresses (SSRF) unless this is set; development
# and the tests post to receivers on 127.0.0.1. Time-outs are in seconds, per attempt.
KBRIDGE_WEBHOOK_ALLOW_PRIVATE = env_bool("WEBHOOK_ALLOW_PRIVATE", not PRODUCTION)
KBRIDGE_WEBHOOK_CONNECT_TIMEOUT = env_int("WEBHOOK_CONNECT_TIMEOUT", 5)
KBRIDGE_WEBHOOK_TIMEOUT = env_int("WEBHOOK_TIMEOUT", 10)
# Certificates of https receivers are checked against the system's CAs, or this file's.
KBRIDGE_WEBHOOK_CA_FILE = os.environ.get("WEBHOOK_CA_FILE", "")

# --- E-mail: Django's mail API enqueues a task; the task sends with the real backend ---------
EMAIL_BACKEND = "kbridge.core.mail.TaskQueueEmailBackend"
KBRIDGE_EMAIL_DELIVERY_BACKEND = os.environ.get(
    "EMAIL_DELIVERY_BACKEND",
    "django.core.mail.backends.smtp.EmailBackend"
    if os.environ.get("EMAIL_HOST")
    else "django.core.mail.backends.console.EmailBackend",
)
EMAIL_HOST = os.environ.get("EMAIL_HOST", "localhost")
EMAIL_PORT = env_int("EMAIL_PORT", 587)
EMAIL_HOST_USER = os.environ.get("EMAIL_HOST_USER", "")
EMAIL_HOST_PASSWORD = os.environ.get("EMAIL_HOST_PASSWORD", "")
EMAIL_USE_TLS = env_bool("EMAIL_USE_TLS", True)
# SMTP gives up after this many seconds (Django's default waits forever); a delivery being
# sent is leased for twice that, so a re-run after a killed worker never overlaps a send.
EMAIL_TIMEOUT = env_int("EMAIL_TIMEOUT", 30)
EMAIL_DELIVERY_LEASE_SECONDS = env_int("EMAIL_DELIVERY_LEASE_SECONDS", 2 * EMAIL_TIMEOUT)
DEFAULT_FROM_EMAIL = os.environ.get("DEFAULT_FROM_EMAIL", "K-Bridge <no-reply@kbridge.example>")
SERVER_EMAIL = DEFAULT_FROM_EMAIL

# --- Security -------------------------------------------------------------------------------
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
# Content-Security-Policy (django-csp), the same in every environment so development and the
# browser tests see exactly what production sends: our own origin only, no inline script or
# style, no eval, no plugins, no <base>, no framing. Nothing needs a nonce (htmx is configured
# in base.html not to inject styles or evaluate code; our JS hooks on data- attributes).
# The browser tests fail on any violation (tests/e2e/conftest.py). See docs/decisions.md.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [SELF],
        "script-src": [SELF],
        "style-src": [SELF],
        "img-src": [SELF],
        "font-src": [SELF],
        "connect-src": [SELF],
        "object-src": [NONE],
        "base-uri": [NONE],
        "frame-ancestors": [NONE],
        "form-action": [SELF],
    }
}
if not DEBUG:
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True
    SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT", True)
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    SECURE_HSTS_SECONDS = env_int("SECURE_HSTS_SECONDS", 60 * 60 * 24 * 365)
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    SECURE_HSTS_PRELOAD = True

CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
if os.environ.get("REDIS_URL"):
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": os.environ["REDIS_URL"],
        }
    }

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain"}},
    "root": {"handlers": ["console"], "level": os.environ.get("LOG_LEVEL", "INFO")},
    "loggers": {
        "django.db.backends": {"level": "INFO"},
        # pypdf warns about every malformed upload; refusals are reported to the user instead.
        "pypdf": {"level": "ERROR"},
        "bm25s": {"level": "WARNING"},
    },
}

# The API (kbridge.api, docs/api.md): pages of 20 items by default, at most 100 (a larger
# ?limit= is refused with 422, not silently shortened).
NINJA_PAGINATION_PER_PAGE = 20
NINJA_PAGINATION_MAX_LIMIT = 100
