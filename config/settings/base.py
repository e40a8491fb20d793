"""DealDesk settings: everything comes from the environment, with safe local defaults."""

import datetime
import os
import warnings
from pathlib import Path
from typing import Any

import dj_database_url
from celery.schedules import crontab
from django.core.exceptions import ImproperlyConfigured
from django.utils.translation import gettext_lazy as _

BASE_DIR = Path(__file__).resolve().parent.parent.parent


TRUE_WORDS = {"1", "true", "yes", "on"}
FALSE_WORDS = {"0", "false", "no", "off", ""}


def env_bool(name: str, default: bool) -> bool:
    """A yes/no variable. A value it does not know (a typo such as "ture") stops the start-up
    instead of silently meaning False."""
    value = os.environ.get(name)
    if value is None:
        return default
    word = value.strip().lower()
    if word in TRUE_WORDS:
        return True
    if word in FALSE_WORDS:
        return False
    raise ImproperlyConfigured(
        f"{name}={value!r} is not a yes/no value: use one of "
        f"{', '.join(sorted(TRUE_WORDS))} or {', '.join(sorted(FALSE_WORDS - {''}))}."
    )


def env_int(name: str, default: int) -> int:
    value = os.environ.get(name, "").strip()
    if not value:
        return default
    try:
        return int(value)
    except ValueError as exc:
        raise ImproperlyConfigured(f"{name}={value!r} is not a whole number.") from exc


def env_list(name: str, default: str = "") -> list[str]:
    return [item.strip() for item in os.environ.get(name, default).split(",") if item.strip()]


# Off unless set: `make run`, `make demo` and the test settings turn it on for themselves.
DEBUG = env_bool("DEBUG", False)
SECRET_KEY = os.environ.get("SECRET_KEY", "")
if not SECRET_KEY:
    if not DEBUG:
        raise RuntimeError("SECRET_KEY must be set when DEBUG is off.")
    SECRET_KEY = "dev-only-insecure-key-change-me-0123456789-abcdefghijklmnopqrstuvwxyz"  # noqa: S105 -- DEBUG only
ALLOWED_HOSTS = [
    h.strip() for h in os.environ.get("ALLOWED_HOSTS", "127.0.0.1,localhost").split(",") if h
]

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "rest_framework",
    "rest_framework.authtoken",
    "django_filters",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "django_fsm",
    "simple_history",
    "axes",
    "brokers",
    "records",
    "notifications",
    "deals",
    "contracts",
    "payments",
    "followup",
    "rewards",
    "intake",
    "challenges",
    "stats",
    "demo",
]

MIDDLEWARE = [
    "common.middleware.TrustedProxyMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "csp.middleware.CSPMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    # The language (the visitor's choice in a cookie, else Chinese) before anything that answers
    # with a message, the hostile-input refusals included; it needs no session.
    "common.middleware.LocaleMiddleware",
    "common.middleware.HostileInputMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "simple_history.middleware.HistoryRequestMiddleware",
    "brokers.confinement.ExpertConfinementMiddleware",
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "config.urls"
WSGI_APPLICATION = "config.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "notifications.context_processors.bell",
            ],
        },
    },
]

DATABASES = {
    "default": dj_database_url.parse(
        os.environ.get("DATABASE_URL", f"sqlite:///{BASE_DIR / 'db.sqlite3'}"),
        conn_max_age=int(os.environ.get("DB_CONN_MAX_AGE", "60")),
    )
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # WAL lets the web process read while a task writes; the timeout waits out short write locks.
    DATABASES["default"]["OPTIONS"] = {
        "timeout": 20,
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
        "transaction_mode": "IMMEDIATE",
    }

AUTH_USER_MODEL = "brokers.User"
# A history "revert" would bypass the deal state machine and the services' checks.
SIMPLE_HISTORY_REVERT_DISABLED = True
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {
        "NAME": "django.contrib.auth.password_validation.MinimumLengthValidator",
        "OPTIONS": {"min_length": 10},
    },
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
AUTHENTICATION_BACKENDS = [
    # First: refuses a locked-out user name or address before the password is even checked.
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]
LOGIN_URL = "home"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "/"

LANGUAGE_CODE = "zh-hans"
LANGUAGES = [("zh-hans", _("简体中文")), ("en", _("English"))]
LOCALE_PATHS = [BASE_DIR / "locale"]
# Chinese unless the visitor picks English in the header (common.middleware.LocaleMiddleware: the
# browser's Accept-Language is not asked). The choice is kept for a year in this cookie.
LANGUAGE_COOKIE_NAME = "dealdesk_language"
LANGUAGE_COOKIE_AGE = 365 * 24 * 3600
LANGUAGE_COOKIE_SAMESITE = "Lax"
LANGUAGE_COOKIE_HTTPONLY = True
TIME_ZONE = "Asia/Shanghai"
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = BASE_DIR / "staticfiles"
# Until `collectstatic` fills STATIC_ROOT (production), WhiteNoise serves from the finders in DEBUG
# and would warn on every start that the folder is missing.
warnings.filterwarnings("ignore", message="No directory at")
STATICFILES_DIRS: list[Any] = [BASE_DIR / "static"]
# Apache ECharts, installed from the npm registry by `make install` (npm ci), served from
# node_modules as static/vendor/echarts/ (no CDN). Without node_modules the dashboard's tables
# and CSV downloads work and its charts say the library is missing.
ECHARTS_DIST = BASE_DIR / "node_modules" / "echarts" / "dist"
if ECHARTS_DIST.is_dir():
    STATICFILES_DIRS.append(("vendor/echarts", ECHARTS_DIST))
# The acceptance setup has no collectstatic step: let WhiteNoise also serve from the finders so the
# pages keep their CSS when DEBUG is off.
WHITENOISE_USE_FINDERS = True
MEDIA_URL = "media/"
MEDIA_ROOT = Path(os.environ.get("MEDIA_ROOT", BASE_DIR / "media"))
# The matching index's snapshots, memory-mapped by every process of the host (deals/matching/index.py).
MATCH_INDEX_DIR = Path(os.environ.get("MATCH_INDEX_DIR", BASE_DIR / "var" / "match-index"))
# Sentence vectors in matching (deals/matching/semantic.py); MATCH_SEMANTIC=0 switches them off.
MATCH_SEMANTIC = os.environ.get("MATCH_SEMANTIC", "1") != "0"
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
DATA_UPLOAD_MAX_MEMORY_SIZE = 10 * 1024 * 1024
FILE_UPLOAD_MAX_MEMORY_SIZE = 10 * 1024 * 1024

REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "rest_framework.authentication.TokenAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["brokers.confinement.ExpertConfined"],
    "DEFAULT_PAGINATION_CLASS": "common.pagination.Pagination",
    "DEFAULT_FILTER_BACKENDS": ["django_filters.rest_framework.DjangoFilterBackend"],
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "EXCEPTION_HANDLER": "common.api.exception_handler",
    "COERCE_DECIMAL_TO_STRING": True,
    # Throttling (429): anonymous callers per address, the token endpoint and the public forms by
    # scope. Counters live in the cache: per process unless CACHE_URL names a shared Redis.
    "DEFAULT_THROTTLE_CLASSES": [
        "rest_framework.throttling.AnonRateThrottle",
        "rest_framework.throttling.ScopedRateThrottle",
    ],
    "DEFAULT_THROTTLE_RATES": {
        "anon": os.environ.get("THROTTLE_ANON", "120/min"),
        "auth": os.environ.get("THROTTLE_AUTH", "20/min"),
        "public": os.environ.get("THROTTLE_PUBLIC", "10/min"),
    },
}
CACHES = {
    "default": (
        {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": os.environ["CACHE_URL"],
        }
        if os.environ.get("CACHE_URL")
        else {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}
    )
}
SPECTACULAR_SETTINGS = {
    "TITLE": "DealDesk API",
    "DESCRIPTION": "Technology brokers' deal pipeline: needs, achievements, deals, contracts, rewards.",
    "VERSION": "1",
    "SERVE_INCLUDE_SCHEMA": False,
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    "COMPONENT_SPLIT_REQUEST": True,
    "ENUM_NAME_OVERRIDES": {"DealStateEnum": "deals.models.DealState"},
}

# Celery: without REDIS_URL everything runs in-process and errors propagate.
REDIS_URL = os.environ.get("REDIS_URL", "")
CELERY_BROKER_URL = REDIS_URL or "memory://"
CELERY_RESULT_BACKEND = None
CELERY_TASK_ALWAYS_EAGER = not REDIS_URL
CELERY_TASK_EAGER_PROPAGATES = True
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TASK_SERIALIZER = "json"
CELERY_ACCEPT_CONTENT = ["json"]
CELERY_TIMEZONE = TIME_ZONE
CELERY_BROKER_TRANSPORT_OPTIONS = {"visibility_timeout": 3600}
CELERY_BEAT_SCHEDULE = {
    # Notification e-mail: the daily digests (08:00 Asia/Shanghai) and any immediate ones left.
    "notifications-daily-digest": {
        "task": "notifications.tasks.send_daily_digests",
        "schedule": crontab(hour=8, minute=0),
    },
    "deals-sweep-stalled": {"task": "deals.tasks.sweep_stalled_deals", "schedule": 15 * 60},
    # Planned talks and meetings: their brokers are told on the day before, once each.
    "deals-sweep-meetings-tomorrow": {
        "task": "deals.tasks.sweep_meetings_tomorrow",
        "schedule": 30 * 60,
    },
    # Registered deals whose reward task was lost, and rewards still waiting for a policy.
    "rewards-sweep-registered": {
        "task": "rewards.tasks.sweep_registered_deals",
        "schedule": 30 * 60,
    },
    # Signed contracts past their registration deadline: announced once each.
    "followup-sweep-registration-deadlines": {
        "task": "followup.tasks.sweep_registration_deadlines",
        "schedule": 60 * 60,
    },
    # Rewards of deals whose registration was cancelled, when the void/clawback task was lost.
    "rewards-sweep-cancelled-registrations": {
        "task": "rewards.tasks.sweep_cancelled_registrations",
        "schedule": 30 * 60,
    },
    # Payments received whose partial reward was not computed (a lost enqueue).
    "rewards-sweep-unrewarded-payments": {
        "task": "rewards.tasks.sweep_unrewarded_payments",
        "schedule": 30 * 60,
    },
    "contracts-sweep-pending-documents": {
        "task": "contracts.tasks.sweep_pending_documents",
        "schedule": 10 * 60,
    },
    # Records achievements/needs whose on-commit index update was lost (window 30 min > period).
    # Proposers of a decided challenge whose outcome mail was lost.
    "challenges-sweep-unnotified": {
        "task": "challenges.tasks.sweep_unnotified_proposers",
        "schedule": 30 * 60,
    },
    "matching-sweep-missed-changes": {
        "task": "deals.matching.sweep_missed_changes",
        "schedule": 10 * 60,
    },
    # Imports whose task was lost (broker down) or whose worker died mid-way.
    "matching-sweep-import-jobs": {
        "task": "deals.matching.sweep_import_jobs",
        "schedule": 10 * 60,
    },
    # Submitters' receipts and triage results whose mail was lost.
    "intake-sweep-mail": {"task": "intake.tasks.sweep_submission_mail", "schedule": 15 * 60},
}

# Mail (proposers told a challenge's outcome): the console unless a backend is configured.
EMAIL_BACKEND = os.environ.get("EMAIL_BACKEND", "django.core.mail.backends.console.EmailBackend")
DEFAULT_FROM_EMAIL = os.environ.get("DEFAULT_FROM_EMAIL", "DealDesk <noreply@dealdesk.local>")

# Open challenges: proposal attachments (PDF/Office, checked by content) and the per-address limit.
CHALLENGE_ATTACHMENT_MAX_BYTES = 10 * 1024 * 1024
CHALLENGE_ATTACHMENT_MAX_FILES = 5
# Contract attachments (stamped scans, registration certificates): PDF, PNG or JPEG by content.
CONTRACT_ATTACHMENT_MAX_BYTES = int(
    os.environ.get("CONTRACT_ATTACHMENT_MAX_BYTES", str(10 * 1024 * 1024))
)
CHALLENGE_PROPOSAL_RATE = os.environ.get("CHALLENGE_PROPOSAL_RATE", "10/hour")
# Public submissions (needs and achievements, page and API together) per address.
INTAKE_SUBMISSION_RATE = os.environ.get("INTAKE_SUBMISSION_RATE", "10/hour")

# Time budget of each active stage, in Chinese working days (common.workdays: holidays and adjusted
# weekends from chinese-calendar); paused time does not count. Past it a deal is overdue.
STAGE_BUDGET_DAYS = {
    "intake": 7,
    "matched": 14,
    "online_talks": 21,
    "offline_meeting": 30,
    "agreement": 45,
}
# A pending transition request unanswered this many working hours (weekends and holidays do not
# count) is escalated to the organisation's supervisors.
REQUEST_ANSWER_BUDGET_HOURS = 48
# Why a deal was closed as lost: stable codes (stored, filtered on) with their Chinese labels.
# `other` asks for the reason in words. Add codes freely; never reuse or rename one.
LOST_REASONS = [
    ("demand_cancelled", _("企业需求取消")),
    ("no_budget", _("预算不足")),
    ("technology_mismatch", _("技术不匹配")),
    ("price_disagreement", _("价格谈不拢")),
    ("other_channel", _("转向其他渠道")),
    ("other", _("其他")),
]

# A signed contract is registered within this many Chinese working days of its signing (the
# signing day does not count); past it the deal is flagged and its brokers and supervisors told.
REGISTRATION_DEADLINE_WORKDAYS = env_int("REGISTRATION_DEADLINE_WORKDAYS", 30)

# Contracts: the registration office's number is 14 or 16 digits depending on the era it was
# issued in; the accepted lengths are configurable ("14,16").
CONTRACT_REGISTRATION_NUMBER_LENGTHS = [
    int(n) for n in os.environ.get("CONTRACT_REGISTRATION_NUMBER_LENGTHS", "14,16").split(",") if n
]
# Font families the contract PDFs are set in; rendering refuses to start when fontconfig lacks one.
# One face on purpose: each embedded CJK subset costs ~170 KB (WeasyPrint keeps glyph ids).
CONTRACT_PDF_FONTS = ["Noto Serif CJK SC"]

# --- TLS and the load balancer (docs/deploy.md, "Environment") -------------------------------
# Only the proxies listed in TRUSTED_PROXIES (addresses or networks) may tell us the client's
# address (X-Forwarded-For) and that the request came over https (X-Forwarded-Proto); the same
# headers from anyone else are dropped (common.middleware.TrustedProxyMiddleware).
TRUSTED_PROXIES = env_list("TRUSTED_PROXIES")
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
# Redirect plain http to https only when asked (the load balancer usually does it).
SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT", False)
# The load balancer probes each host directly over http: never redirect its probes.
SECURE_REDIRECT_EXEMPT = [r"^healthz$", r"^readyz$"]
SESSION_COOKIE_SECURE = env_bool("SECURE_COOKIES", SECURE_SSL_REDIRECT)
CSRF_COOKIE_SECURE = SESSION_COOKIE_SECURE
LANGUAGE_COOKIE_SECURE = SESSION_COOKIE_SECURE
SECURE_HSTS_SECONDS = env_int("SECURE_HSTS_SECONDS", 0)
SECURE_HSTS_INCLUDE_SUBDOMAINS = env_bool("SECURE_HSTS_INCLUDE_SUBDOMAINS", False)
SECURE_HSTS_PRELOAD = False
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS")
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"

# Sessions end after SESSION_HOURS of inactivity-free use (default a working day) and with the
# browser.
SESSION_COOKIE_AGE = env_int("SESSION_HOURS", 8) * 3600
SESSION_EXPIRE_AT_BROWSER_CLOSE = True
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"

# --- Sign-in protection (django-axes): a user name, or an address, with AXES_FAILURE_LIMIT
# failures in a row is locked for AXES_COOLOFF_MINUTES; admins unlock in the admin (删除失败记录)
# or with `manage.py axes_reset_username NAME`.
AXES_ENABLED = env_bool("AXES_ENABLED", True)
AXES_FAILURE_LIMIT = env_int("AXES_FAILURE_LIMIT", 5)
AXES_COOLOFF_TIME = datetime.timedelta(minutes=env_int("AXES_COOLOFF_MINUTES", 15))
AXES_LOCKOUT_PARAMETERS = ["username", "ip_address"]  # either one locks
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_CALLABLE = "brokers.lockout.lockout_response"
AXES_CLIENT_IP_CALLABLE = "common.middleware.client_ip"
AXES_VERBOSE = False

# --- Content-Security-Policy (django-csp 4): scripts only from our own static files (no inline
# script anywhere); inline style attributes are still allowed (the templates use a few).
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "script-src": ["'self'"],
        "style-src": ["'self'", "'unsafe-inline'"],
        "img-src": ["'self'", "data:"],
        "font-src": ["'self'", "data:"],
        "connect-src": ["'self'"],
        "object-src": ["'none'"],
        "base-uri": ["'self'"],
        "form-action": ["'self'"],
        "frame-ancestors": ["'none'"],
    },
}

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": os.environ.get("LOG_LEVEL", "INFO")},
    # WeasyPrint and fontTools narrate every render step at INFO.
    "loggers": {
        "weasyprint": {"level": "WARNING"},
        "fontTools": {"level": "WARNING"},
    },
}

# SMTP for e-mail (notifications, challenges) when EMAIL_HOST is set; the console otherwise.
EMAIL_HOST = os.environ.get("EMAIL_HOST", "")
if EMAIL_HOST:
    EMAIL_BACKEND = os.environ.get("EMAIL_BACKEND", "django.core.mail.backends.smtp.EmailBackend")
    EMAIL_PORT = int(os.environ.get("EMAIL_PORT", "587"))
    EMAIL_HOST_USER = os.environ.get("EMAIL_HOST_USER", "")
    EMAIL_HOST_PASSWORD = os.environ.get("EMAIL_HOST_PASSWORD", "")
    EMAIL_USE_TLS = env_bool("EMAIL_USE_TLS", True)
# Links in e-mails start with this (the address people reach the site at).
SITE_URL = os.environ.get("SITE_URL", "http://127.0.0.1:8000")
