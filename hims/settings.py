"""HIMS settings. Everything comes from environment variables; defaults suit the local demo.

Production sets at least SECRET_KEY, DATABASE_URL, ALLOWED_HOSTS, REDIS_URL and
HIMS_DEBUG=0 (see docs/deploy.md); `manage.py check --deploy` is clean with those.
"""

from __future__ import annotations

import os
import sys
from datetime import timedelta
from pathlib import Path

import dj_database_url
from django.utils.translation import gettext_lazy as _

BASE_DIR = Path(__file__).resolve().parent.parent
VAR_DIR = Path(os.environ.get("HIMS_VAR_DIR", BASE_DIR / "var"))


def env_bool(name: str, default: bool) -> bool:
    value = os.environ.get(name)
    if value is None:
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def env_list(name: str, default: str) -> list[str]:
    return [item.strip() for item in os.environ.get(name, default).split(",") if item.strip()]


DEBUG = env_bool("HIMS_DEBUG", False)
TESTING = env_bool("HIMS_TESTING", "pytest" in sys.modules)
LOCAL_DEFAULT = "DATABASE_URL" not in os.environ or TESTING
# The demo (make run) shows demo-only pages such as the last OTP sent. Never in production.
HIMS_DEMO = env_bool("HIMS_DEMO", False)


def _secret_key() -> str:
    """SECRET_KEY from the environment; the embedded default keeps a random one under var/."""
    key = os.environ.get("SECRET_KEY", "")
    if key:
        return key
    if TESTING:
        return "test-only-key-" + "x" * 50
    if "DATABASE_URL" in os.environ:
        raise RuntimeError("SECRET_KEY must be set when DATABASE_URL is (production)")
    path = VAR_DIR / "secret_key"
    if not path.exists():
        import secrets

        VAR_DIR.mkdir(parents=True, exist_ok=True)
        path.write_text(secrets.token_urlsafe(50))
        path.chmod(0o600)
    return path.read_text().strip()


SECRET_KEY = _secret_key()

ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", "127.0.0.1,localhost,testserver")
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS", "")

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django_htmx",
    "hims.core",
    "hims.accounts",
    "hims.network",
    "hims.patients",
    "hims.scheduling",
    "hims.notifications",
    "hims.records",
    "hims.clinical",
    "hims.primarycare",
    "hims.fhir",
    "hims.abdm",
    "hims.api",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "hims.accounts.middleware.UserLanguageMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "hims.core.middleware.DomainErrorMiddleware",
]

ROOT_URLCONF = "hims.urls"
WSGI_APPLICATION = "hims.wsgi.application"
ASGI_APPLICATION = "hims.asgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "hims.core.context_processors.hims",
            ],
        },
    },
]

# The embedded default is a SQLite file under var/; PostgreSQL in production and CI.
DATABASES = {
    "default": dj_database_url.parse(
        os.environ.get("DATABASE_URL", f"sqlite:///{VAR_DIR / 'hims.sqlite3'}"),
        conn_max_age=int(os.environ.get("HIMS_DB_CONN_MAX_AGE", "60")),
        conn_health_checks=True,
    )
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # WAL + a busy timeout let the demo server and a seeding command share the file.
    DATABASES["default"]["OPTIONS"] = {
        "timeout": 20,
        "transaction_mode": "IMMEDIATE",
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; PRAGMA foreign_keys=ON;",
    }
    DATABASES["default"]["CONN_MAX_AGE"] = 0
else:
    # A request waiting this long for a row lock (a booking rush on one slot) is answered "busy,
    # try again" (503) instead of piling up; HIMS_DB_LOCK_TIMEOUT_MS=0 waits forever.
    _pg_options = f"-c lock_timeout={int(os.environ.get('HIMS_DB_LOCK_TIMEOUT_MS', '3000'))}"
    if TESTING:
        # Lets the test runner empty the append-only access log between tests (core migration 0002).
        _pg_options += " -c hims.test_database=on"
    DATABASES["default"].setdefault("OPTIONS", {})["options"] = _pg_options
    # Parameters bound by the server, and a statement run 5 times on a connection prepared: the
    # planning PostgreSQL skips is half its CPU per booking (docs/performance.md). Statements
    # are prepared per connection; HIMS_DB_CONN_MAX_AGE bounds how long a plan outlives a
    # migration. HIMS_DB_PREPARE=0 turns it off (e.g. behind PgBouncer in transaction mode).
    if os.environ.get("HIMS_DB_PREPARE", "1") == "1":
        DATABASES["default"]["OPTIONS"].update(server_side_binding=True, prepare_threshold=5)
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_USER_MODEL = "accounts.User"
AUTHENTICATION_BACKENDS = ["hims.accounts.backends.ThrottledModelBackend"]
PASSWORD_HASHERS = [
    "django.contrib.auth.hashers.Argon2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {
        "NAME": "django.contrib.auth.password_validation.MinimumLengthValidator",
        "OPTIONS": {"min_length": 10},
    },
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "accounts:login"
LOGIN_REDIRECT_URL = "core:home"
LOGOUT_REDIRECT_URL = "accounts:login"

# Staff login throttling: a user is locked after this many consecutive failures, and one
# address may not try more than HIMS_LOGIN_IP_LIMIT passwords per window.
HIMS_LOGIN_MAX_FAILURES = int(os.environ.get("HIMS_LOGIN_MAX_FAILURES", "5"))
HIMS_LOGIN_LOCKOUT = timedelta(minutes=int(os.environ.get("HIMS_LOGIN_LOCKOUT_MINUTES", "15")))
HIMS_LOGIN_IP_LIMIT = int(os.environ.get("HIMS_LOGIN_IP_LIMIT", "30"))
HIMS_LOGIN_IP_WINDOW = timedelta(minutes=15)

# Patient one-time passwords.
HIMS_OTP_LENGTH = 6
HIMS_OTP_TTL = timedelta(minutes=int(os.environ.get("HIMS_OTP_TTL_MINUTES", "5")))
HIMS_OTP_MAX_ATTEMPTS = 5
HIMS_OTP_PER_MOBILE = (3, timedelta(minutes=15))  # at most 3 codes per number per 15 min
HIMS_OTP_PER_IP = (10, timedelta(hours=1))

SESSION_COOKIE_AGE = int(os.environ.get("HIMS_SESSION_SECONDS", str(8 * 3600)))
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
CSRF_COOKIE_SAMESITE = "Lax"

LANGUAGE_CODE = "en"
LANGUAGES = [("en", _("English")), ("hi", _("Hindi"))]
LOCALE_PATHS = [BASE_DIR / "hims" / "locale"]
FORMAT_MODULE_PATH = ["hims.formats"]
LANGUAGE_COOKIE_NAME = "hims_language"
LANGUAGE_COOKIE_AGE = 365 * 24 * 3600
TIME_ZONE = "Asia/Kolkata"
USE_I18N = True
USE_TZ = True

LOCAL = DEBUG or HIMS_DEMO or TESTING
STATIC_URL = "/static/"
STATIC_ROOT = VAR_DIR / "static"
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": (
            "django.contrib.staticfiles.storage.StaticFilesStorage"
            if LOCAL
            else "whitenoise.storage.CompressedManifestStaticFilesStorage"
        )
    },
}
# The demo and tests serve static files straight from the apps; production from collectstatic.
WHITENOISE_USE_FINDERS = LOCAL
WHITENOISE_AUTOREFRESH = LOCAL

REDIS_URL = os.environ.get("REDIS_URL", "")
if REDIS_URL:
    CACHES = {
        "default": {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": REDIS_URL}
    }
else:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}

# Celery: Redis (or RabbitMQ) in production; tasks run eagerly in the embedded default.
CELERY_BROKER_URL = os.environ.get("CELERY_BROKER_URL", REDIS_URL or "memory://")
CELERY_TASK_ALWAYS_EAGER = env_bool(
    "CELERY_TASK_ALWAYS_EAGER", not (REDIS_URL or os.environ.get("CELERY_BROKER_URL"))
)
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_SERIALIZER = "json"
CELERY_ACCEPT_CONTENT = ["json"]
CELERY_TIMEZONE = TIME_ZONE

# SMS: "console" and "file" are local; a real gateway adapter plugs in by dotted path.
HIMS_SMS_BACKEND = os.environ.get(
    "HIMS_SMS_BACKEND", "hims.notifications.sms.FileAndConsoleBackend"
)
HIMS_SMS_FILE = Path(os.environ.get("HIMS_SMS_FILE", VAR_DIR / "sms-outbox.log"))

# ABDM: the gateway adapter (local: records outbound calls in a file) and the shared secret the
# gateway presents (a real deployment verifies the gateway's signed token instead; see docs).
HIMS_ABDM_GATEWAY = os.environ.get("HIMS_ABDM_GATEWAY", "hims.patients.abdm.LocalGateway")
HIMS_ABDM_OUTBOX = Path(os.environ.get("HIMS_ABDM_OUTBOX", VAR_DIR / "abdm-outbox.log"))
HIMS_ABDM_GATEWAY_TOKEN = os.environ.get(
    "HIMS_ABDM_GATEWAY_TOKEN", "local-abdm-gateway" if LOCAL_DEFAULT else ""
)
HIMS_SCAN_SHARE_TOKEN_MINUTES = int(os.environ.get("HIMS_SCAN_SHARE_TOKEN_MINUTES", "30"))
# Slots are generated this many days ahead (a scheduled job and on demand).
HIMS_SLOT_WINDOW_DAYS = int(os.environ.get("HIMS_SLOT_WINDOW_DAYS", "14"))
# Days of slots `hims seed-demo` generates (the hourly Celery job keeps the full window); the test
# suite seeds the demo many times, so it asks for two days only.
HIMS_DEMO_SLOT_DAYS = int(os.environ.get("HIMS_DEMO_SLOT_DAYS", "2" if TESTING else "7"))
# Booking opens this many days ahead and closes online this many minutes before the slot; one
# patient login (a mobile, a family) holds at most this many upcoming bookings.
HIMS_BOOKING_OPENS_DAYS = int(os.environ.get("HIMS_BOOKING_OPENS_DAYS", str(HIMS_SLOT_WINDOW_DAYS)))
HIMS_BOOKING_CLOSES_MINUTES = int(os.environ.get("HIMS_BOOKING_CLOSES_MINUTES", "30"))
HIMS_BOOKINGS_PER_MOBILE = int(os.environ.get("HIMS_BOOKINGS_PER_MOBILE", "4"))
# A booked patient who arrives this late is queued by arrival time, like a walk-in.
HIMS_QUEUE_LATE_MINUTES = int(os.environ.get("HIMS_QUEUE_LATE_MINUTES", "15"))
# Who may read a record (hims.records.access): staff of a facility where the patient had a visit
# or booking within this many days; emergency access lasts this many hours.
HIMS_TREATING_WINDOW_DAYS = int(os.environ.get("HIMS_TREATING_WINDOW_DAYS", "90"))
HIMS_EMERGENCY_ACCESS_HOURS = int(os.environ.get("HIMS_EMERGENCY_ACCESS_HOURS", "4"))
HIMS_CONSENT_MAX_DAYS = int(os.environ.get("HIMS_CONSENT_MAX_DAYS", "365"))
# Queue boards and a patient's page: server-sent events poll the queue's version this often and
# end after this long (the browser reconnects), so a call shows within about half a second.
# Booking notices are handed to the worker in one sweep per this many seconds (0: one task each).
HIMS_OUTBOX_COALESCE_SECONDS = float(os.environ.get("HIMS_OUTBOX_COALESCE_SECONDS", "1"))
HIMS_SSE_POLL_SECONDS = float(os.environ.get("HIMS_SSE_POLL_SECONDS", "0.4"))
HIMS_SSE_MAX_SECONDS = float(os.environ.get("HIMS_SSE_MAX_SECONDS", "55"))

# Identifier checks (reference/india-health.md): operators may relax the ABHA Luhn check.
HIMS_ABHA_LUHN = env_bool("HIMS_ABHA_LUHN", True)
HIMS_PUBLIC_URL = os.environ.get("HIMS_PUBLIC_URL", "http://127.0.0.1:8000")

# Security (check --deploy clean when HIMS_DEBUG is off and HTTPS terminates at nginx).
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
# How many reverse proxies (nginx, a load balancer) append to X-Forwarded-For; 0 trusts none.
HIMS_PROXY_COUNT = int(os.environ.get("HIMS_PROXY_COUNT", "0"))
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
_https = env_bool("HIMS_HTTPS", not (DEBUG or HIMS_DEMO or TESTING))
SECURE_SSL_REDIRECT = _https and env_bool("HIMS_SSL_REDIRECT", True)
SESSION_COOKIE_SECURE = _https
CSRF_COOKIE_SECURE = _https
SECURE_HSTS_SECONDS = int(os.environ.get("HIMS_HSTS_SECONDS", "31536000" if _https else "0"))
SECURE_HSTS_INCLUDE_SUBDOMAINS = _https
SECURE_HSTS_PRELOAD = _https
SECURE_REDIRECT_EXEMPT = [r"^healthz$", r"^readyz$"]

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain"}},
    "root": {"handlers": ["console"], "level": os.environ.get("HIMS_LOG_LEVEL", "INFO")},
    "loggers": {
        "django.db.backends": {"level": "WARNING"},
        # Refusals (409 full slot, 404, 422) are answers, not faults: a booking rush must not
        # write a log line per refused request. Server errors are still logged.
        "django.request": {"level": "ERROR"},
    },
}

NINJA_PAGINATION_PER_PAGE = 50
