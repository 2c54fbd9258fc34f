"""One environment-driven settings module.

Nothing set: SQLite in ``var/``, tasks run in-process, local-memory cache, e-mail to the console.
Production: ``DATABASE_URL`` (PostgreSQL), ``REDIS_URL`` (cache and Celery broker), ``SECRET_KEY``,
``ALLOWED_HOSTS``, ``DEBUG=0``.
"""

from __future__ import annotations

import json
import os
from pathlib import Path

import dj_database_url
from django.utils.translation import gettext_lazy as _

BASE_DIR = Path(__file__).resolve().parent
PROJECT_DIR = BASE_DIR.parent


def env_bool(name: str, default: bool = False) -> bool:
    value = os.environ.get(name)
    if value is None:
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def env_list(name: str, default: str = "") -> list[str]:
    return [item.strip() for item in os.environ.get(name, default).split(",") if item.strip()]


VAR_DIR = Path(os.environ.get("TAOLUN_VAR_DIR", PROJECT_DIR / "var"))

DEBUG = env_bool("DEBUG", default=False)
SECRET_KEY = os.environ.get("SECRET_KEY", "")
if not SECRET_KEY:
    if not DEBUG and env_bool("TAOLUN_PRODUCTION"):
        raise RuntimeError("SECRET_KEY must be set when TAOLUN_PRODUCTION=1")
    SECRET_KEY = "taolun-insecure-development-key-change-me-0123456789abcdef"  # noqa: S105

ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", "127.0.0.1,localhost,[::1],testserver")
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS")
# Reverse proxies (addresses or networks) whose X-Forwarded-For is believed, e.g. "127.0.0.1,10.0.0.0/24".
TRUSTED_PROXIES = env_list("TRUSTED_PROXIES")
SITE_URL = os.environ.get("SITE_URL", "http://127.0.0.1:8000")

INSTALLED_APPS = [
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "django_htmx",
    "rules.apps.AutodiscoverRulesConfig",
    "taolun.core",
    "taolun.accounts",
    "taolun.orgs",
    "taolun.campaigns",
    "taolun.activities",
    "taolun.research",
    "taolun.problems",
    "taolun.articles",
    "taolun.discussion",
    "taolun.api",
    # django-ninja's own templates and static files: the API docs page uses its bundled Swagger UI, no CDN.
    "ninja",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "taolun.core.middleware.RequestContextMiddleware",
    "taolun.core.middleware.SecurityHeadersMiddleware",
]

ROOT_URLCONF = "taolun.urls"
WSGI_APPLICATION = "taolun.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.debug",
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "taolun.core.context_processors.navigation",
            ],
        },
    },
]

# --- database -----------------------------------------------------------------------------
DATABASE_URL = os.environ.get("DATABASE_URL", "")
if DATABASE_URL:
    DATABASES = {"default": dj_database_url.parse(DATABASE_URL, conn_max_age=60, conn_health_checks=True)}
else:
    VAR_DIR.mkdir(parents=True, exist_ok=True)
    DATABASES = {
        "default": {
            "ENGINE": "django.db.backends.sqlite3",
            "NAME": os.environ.get("SQLITE_PATH", str(VAR_DIR / "taolun.sqlite3")),
            "OPTIONS": {
                "timeout": 20,
                "transaction_mode": "IMMEDIATE",
                "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
            },
        }
    }
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# --- cache and tasks ----------------------------------------------------------------------
REDIS_URL = os.environ.get("REDIS_URL", "")
if REDIS_URL:
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": REDIS_URL,
            "KEY_PREFIX": "taolun",
        }
    }
else:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache", "LOCATION": "taolun"}}

CELERY_BROKER_URL = os.environ.get("CELERY_BROKER_URL", REDIS_URL) or "memory://"
CELERY_RESULT_BACKEND = None
CELERY_TASK_ALWAYS_EAGER = not (os.environ.get("CELERY_BROKER_URL") or REDIS_URL) or env_bool(
    "CELERY_TASK_ALWAYS_EAGER"
)
CELERY_TASK_EAGER_PROPAGATES = True
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TIMEZONE = os.environ.get("TIME_ZONE", "Asia/Shanghai")
# Periodic jobs, run by the one `celery -A taolun beat`; each is idempotent.
CELERY_BEAT_SCHEDULE = {
    "orgs.cleanup_roster_uploads": {"task": "orgs.cleanup_roster_uploads", "schedule": 3600.0},
    # Idempotent within a day: hourly runs send each day's reminders once.
    "problems.send_reminders": {"task": "problems.send_reminders", "schedule": 3600.0},
    # Reply deadlines of the online discussion: reminders, 催办 and 督办, each once per deadline.
    "discussion.send_reminders": {"task": "discussion.send_reminders", "schedule": 3600.0},
}

# --- auth ---------------------------------------------------------------------------------
AUTH_USER_MODEL = "accounts.User"
AUTHENTICATION_BACKENDS = [
    "rules.permissions.ObjectPermissionBackend",
    "taolun.accounts.backends.PasswordBackend",
]
LOGIN_URL = "accounts:login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "home"
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
# Login rate limiting: failures per (username, address) inside the window lock that pair out.
LOGIN_FAILURE_LIMIT = int(os.environ.get("LOGIN_FAILURE_LIMIT", "5"))
LOGIN_FAILURE_WINDOW_SECONDS = int(os.environ.get("LOGIN_FAILURE_WINDOW_SECONDS", "900"))
LOGIN_ADDRESS_LIMIT = int(os.environ.get("LOGIN_ADDRESS_LIMIT", "30"))
LOGIN_USERNAME_LIMIT = int(os.environ.get("LOGIN_USERNAME_LIMIT", "20"))
# API tokens: after this many failed token attempts from one address inside the window, answer 429.
API_TOKEN_FAILURE_LIMIT = int(os.environ.get("API_TOKEN_FAILURE_LIMIT", "30"))
API_TOKEN_FAILURE_WINDOW_SECONDS = int(os.environ.get("API_TOKEN_FAILURE_WINDOW_SECONDS", "900"))

# --- i18n ---------------------------------------------------------------------------------
LANGUAGE_CODE = "zh-hans"
LANGUAGES = [("zh-hans", _("简体中文")), ("en", _("English"))]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = os.environ.get("TIME_ZONE", "Asia/Shanghai")
USE_I18N = True
USE_TZ = True

# --- static and media ---------------------------------------------------------------------
STATIC_URL = "/static/"
STATIC_ROOT = Path(os.environ.get("STATIC_ROOT", VAR_DIR / "static"))
# The site's own CSS, JavaScript and vendored libraries (htmx) live in taolun/static/, outside any app.
STATICFILES_DIRS = [BASE_DIR / "static"]
MEDIA_URL = "/media/"
MEDIA_ROOT = Path(os.environ.get("MEDIA_ROOT", VAR_DIR / "media"))
# The copy detector's library (set-phrase frequencies and the LSH index of every handed-in article and
# reference text). Several app servers or workers must share it, as they share MEDIA_ROOT.
ARTICLES_INDEX_DIR = Path(os.environ.get("ARTICLES_INDEX_DIR", VAR_DIR / "articles-index"))
if "STATIC_ROOT" not in os.environ:
    # WhiteNoise looks for the collected files here; an empty folder is fine before collectstatic.
    STATIC_ROOT.mkdir(parents=True, exist_ok=True)
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"
        if not DEBUG and env_bool("TAOLUN_MANIFEST_STATIC", default=env_bool("TAOLUN_PRODUCTION"))
        else "django.contrib.staticfiles.storage.StaticFilesStorage",
    },
}
WHITENOISE_USE_FINDERS = DEBUG or not env_bool("TAOLUN_PRODUCTION")

# Uploads: the roster importer refuses larger files with a clear message.
ROSTER_MAX_UPLOAD_BYTES = int(os.environ.get("ROSTER_MAX_UPLOAD_BYTES", str(20 * 1024 * 1024)))
# Activity photos and attachments: each file up to this size; images are checked by decoding them.
ACTIVITY_MAX_UPLOAD_BYTES = int(os.environ.get("ACTIVITY_MAX_UPLOAD_BYTES", str(10 * 1024 * 1024)))
# Check-in codes change every this many seconds; the code shown just before is still accepted.
ACTIVITY_CHECKIN_CODE_SECONDS = int(os.environ.get("ACTIVITY_CHECKIN_CODE_SECONDS", "60"))
# Problem ledger: a measure due within this many days shows yellow (临期); the fields the public ledger shows.
PROBLEMS_YELLOW_DAYS = int(os.environ.get("PROBLEMS_YELLOW_DAYS", "7"))
# Problems overdue this many days are escalated to the liaisons (督办); twice as long, to the office.
PROBLEMS_ESCALATE_DAYS = int(os.environ.get("PROBLEMS_ESCALATE_DAYS", "3"))
PROBLEMS_PUBLIC_FIELDS = tuple(
    name.strip()
    for name in os.environ.get(
        "PROBLEMS_PUBLIC_FIELDS", "number,content,unit,category,theme,measures,result,closed_at"
    ).split(",")
    if name.strip()
)
# A ledger import (xlsx) may hold at most this many rows.
PROBLEMS_IMPORT_MAX_ROWS = int(os.environ.get("PROBLEMS_IMPORT_MAX_ROWS", "5000"))
# Online discussion: the longest text of each kind, and the limits on public input, per action:
# (per participant, per address, window in seconds). DISCUSSION_RATE_LIMITS may be given as JSON.
DISCUSSION_TEXT_LIMITS = {"suggestion": 3000, "comment": 1000, "reply": 5000}
DISCUSSION_RATE_LIMITS = {
    "suggestion": (10, 60, 3600),
    "comment": (30, 200, 3600),
    "vote": (120, 1200, 3600),
    "report": (20, 100, 3600),
}
if os.environ.get("DISCUSSION_RATE_LIMITS"):
    DISCUSSION_RATE_LIMITS.update(json.loads(os.environ["DISCUSSION_RATE_LIMITS"]))
# A CSV import of offline opinions may hold at most this many rows.
DISCUSSION_IMPORT_MAX_ROWS = int(os.environ.get("DISCUSSION_IMPORT_MAX_ROWS", "20000"))
DISCUSSION_IMPORT_MAX_BYTES = int(os.environ.get("DISCUSSION_IMPORT_MAX_BYTES", str(50 * 1024 * 1024)))
DATA_UPLOAD_MAX_MEMORY_SIZE = 5 * 1024 * 1024
FILE_UPLOAD_MAX_MEMORY_SIZE = 5 * 1024 * 1024

# --- e-mail -------------------------------------------------------------------------------
EMAIL_BACKEND = os.environ.get("EMAIL_BACKEND", "django.core.mail.backends.console.EmailBackend")
EMAIL_HOST = os.environ.get("EMAIL_HOST", "localhost")
EMAIL_PORT = int(os.environ.get("EMAIL_PORT", "25"))
EMAIL_HOST_USER = os.environ.get("EMAIL_HOST_USER", "")
EMAIL_HOST_PASSWORD = os.environ.get("EMAIL_HOST_PASSWORD", "")
EMAIL_USE_TLS = env_bool("EMAIL_USE_TLS")
DEFAULT_FROM_EMAIL = os.environ.get("DEFAULT_FROM_EMAIL", "taolun@localhost")

# --- sign-in codes (citizens) -------------------------------------------------------------
# One-time codes go out by text message through SMS_BACKEND (see taolun/core/sms.py: the console
# backend prints them; a provider is a subclass of BaseSmsBackend) or by e-mail as configured above.
SMS_BACKEND = os.environ.get("SMS_BACKEND", "taolun.core.sms.ConsoleSmsBackend")
ACCOUNT_CODE_TTL_SECONDS = int(os.environ.get("ACCOUNT_CODE_TTL_SECONDS", "600"))
# One code per phone/e-mail address per RESEND seconds; per hour at most TARGET_LIMIT codes to one
# phone/e-mail address and ADDRESS_LIMIT codes requested from one network address.
ACCOUNT_CODE_RESEND_SECONDS = int(os.environ.get("ACCOUNT_CODE_RESEND_SECONDS", "60"))
ACCOUNT_CODE_TARGET_LIMIT = int(os.environ.get("ACCOUNT_CODE_TARGET_LIMIT", "5"))
ACCOUNT_CODE_ADDRESS_LIMIT = int(os.environ.get("ACCOUNT_CODE_ADDRESS_LIMIT", "20"))
# Wrong guesses a code survives; then it is void and a new one must be requested.
ACCOUNT_CODE_MAX_ATTEMPTS = int(os.environ.get("ACCOUNT_CODE_MAX_ATTEMPTS", "5"))

# --- security -----------------------------------------------------------------------------
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
CSRF_COOKIE_SAMESITE = "Lax"
X_FRAME_OPTIONS = "DENY"
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
if env_bool("TAOLUN_PRODUCTION"):
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True
    SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT", default=True)
    SECURE_HSTS_SECONDS = int(os.environ.get("SECURE_HSTS_SECONDS", "31536000"))
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    SECURE_HSTS_PRELOAD = True
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    SILENCED_SYSTEM_CHECKS: list[str] = []

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": os.environ.get("LOG_LEVEL", "INFO")},
    "loggers": {
        "django.db.backends": {"level": "INFO"},
        # Tasks run in-process (no broker): a line per task would bury the command's own output.
        "celery.app.trace": {"level": "WARNING" if CELERY_TASK_ALWAYS_EAGER else "INFO"},
        # ... and the in-memory broker it then has is asked for a host it does not need.
        "kombu.connection": {"level": "ERROR" if CELERY_TASK_ALWAYS_EAGER else "WARNING"},
    },
}

# --- the product --------------------------------------------------------------------------
TAOLUN_SITE_NAME = os.environ.get("TAOLUN_SITE_NAME", "讨论 Taolun")
TAOLUN_PAGE_SIZE = 50
