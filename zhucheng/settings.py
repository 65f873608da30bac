"""Settings for zhucheng.

One module for every environment: it works out of the box on SQLite and reads
the environment for everything else, failing loudly on a value it cannot use.
"""

import datetime as dt
import os
from email.utils import getaddresses
from pathlib import Path
from typing import Any

import dj_database_url
from celery.schedules import crontab
from csp.constants import NONE, SELF
from django.core.exceptions import ImproperlyConfigured
from django.utils.translation import gettext_lazy as _

from common.formula_safe import FormulaSafeCSV, FormulaSafeXLSX

BASE_DIR = Path(__file__).resolve().parent.parent


def envbool(name: str, default: str) -> bool:
    value = os.environ.get(name, default).strip().lower()
    if value in ("1", "true", "yes", "on"):
        return True
    if value in ("0", "false", "no", "off", ""):
        return False
    raise ImproperlyConfigured(f"{name} must be true or false, not {value!r}")


def envint(name: str, default: int) -> int:
    value = os.environ.get(name)
    if value is None:
        return default
    try:
        return int(value)
    except ValueError as exc:
        raise ImproperlyConfigured(f"{name} must be an integer, not {value!r}") from exc


# DJANGO_ENV=production switches on everything `manage.py check --deploy` asks for
# (secure cookies, HSTS, HTTPS redirect, compressed static files) and refuses to start
# without a real SECRET_KEY, ALLOWED_HOSTS and DATABASE_URL. See README "Running in production".
DJANGO_ENV = os.environ.get("DJANGO_ENV", "development").strip().lower()
if DJANGO_ENV not in ("development", "production"):
    raise ImproperlyConfigured(f"DJANGO_ENV must be development or production, not {DJANGO_ENV!r}")
PRODUCTION = DJANGO_ENV == "production"
DEV_SECRET_KEY = "dev-only-insecure-key-change-me"

SECRET_KEY = os.environ.get("SECRET_KEY", DEV_SECRET_KEY)
DEBUG = envbool("DEBUG", "false" if PRODUCTION else "true")
ALLOWED_HOSTS = [
    h.strip()
    for h in os.environ.get("ALLOWED_HOSTS", "" if PRODUCTION else "127.0.0.1,localhost").split(",")
    if h.strip()
]

if PRODUCTION:
    _missing = [n for n in ("SECRET_KEY", "ALLOWED_HOSTS", "DATABASE_URL") if not os.environ.get(n)]
    if _missing:
        raise ImproperlyConfigured(
            f"DJANGO_ENV=production needs {', '.join(_missing)} in the environment "
            "(see README, Running in production)."
        )
    if SECRET_KEY == DEV_SECRET_KEY or len(SECRET_KEY) < 50 or len(set(SECRET_KEY)) < 5:
        raise ImproperlyConfigured(
            "SECRET_KEY must be a random string of at least 50 characters, e.g. from: python -c "
            '"from django.core.management.utils import get_random_secret_key as k; print(k())"'
        )
    if DEBUG:
        raise ImproperlyConfigured("DEBUG must be off when DJANGO_ENV=production.")

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "django_filters",
    "import_export",
    "simple_history",
    "axes",
    "csp",
    # The four layers, each importing only from those above it in this list
    # (``common`` is a plain package below them all; see README "Layout").
    "responsibility",
    "projects",
    "assessment",
    "documents",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "csp.middleware.CSPMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    # GET/HEAD pages read from the replica when there is one (inside the session
    # middleware, so the session's save is not taken for the user's own write).
    "zhucheng.routers.ReplicaMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    # A NUL in the query string is a 400 here, not a PostgreSQL error in a view.
    "common.middleware.RejectNulInQueryMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "simple_history.middleware.HistoryRequestMiddleware",
    # A request parameter a view cannot use is a 400 page in Chinese (common.params).
    "common.params.BadParameterMiddleware",
    # Last, as django-axes asks: turns a locked-out login into the lockout page.
    "axes.middleware.AxesMiddleware",
]

if PRODUCTION:
    # WhiteNoise serves collectstatic's output, right after SecurityMiddleware as it asks.
    MIDDLEWARE.insert(1, "whitenoise.middleware.WhiteNoiseMiddleware")

ROOT_URLCONF = "zhucheng.urls"

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
                "projects.context_processors.nav",
            ],
        },
    },
]

WSGI_APPLICATION = "zhucheng.wsgi.application"

DATABASES = {
    "default": dj_database_url.parse(
        os.environ.get("DATABASE_URL", f"sqlite:///{BASE_DIR / 'db.sqlite3'}"),
        conn_max_age=envint("DB_CONN_MAX_AGE", 60),
    )
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql":
    # The pages run short queries whose estimated cost grows with the tables until
    # PostgreSQL JIT-compiles them: at factor 150 the same SQL takes several times
    # longer with JIT on than off (`python -m bench pages` prints both). Set before
    # the replica below, which takes the primary's options.
    DATABASES["default"].setdefault("OPTIONS", {})["options"] = "-c jit=off"
# An optional read replica (PostgreSQL streaming replication, set up by the operator):
# GET/HEAD pages read from it, everything else uses the primary (zhucheng/routers.py,
# README "Read replica"). Its connection options are the primary's. Without
# DATABASE_REPLICA_URL the router answers None everywhere: Django's default behaviour.
if os.environ.get("DATABASE_REPLICA_URL"):
    _replica = dj_database_url.parse(
        os.environ["DATABASE_REPLICA_URL"], conn_max_age=envint("DB_CONN_MAX_AGE", 60)
    )
    _replica["OPTIONS"] = {**DATABASES["default"].get("OPTIONS", {}), **_replica.get("OPTIONS", {})}
    # The test run uses the primary's test database through a second connection.
    _replica["TEST"] = {"MIRROR": "default"}
    DATABASES["replica"] = _replica
DATABASE_ROUTERS = ["zhucheng.routers.ReplicaRouter"]
# After a write, the writer's browser reads from the primary this long (the replica's
# lag must stay well below it).
DATABASE_REPLICA_PIN_SECONDS = envint("DATABASE_REPLICA_PIN_SECONDS", 10)
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# The cache holds what all workers must share (an uploaded workbook between an
# import's preview and its confirmation), so production needs a shared cache: Redis
# (REDIS_URL, recommended) or the database (CACHE_BACKEND=database, after
# `manage.py createcachetable`).
# Development and the tests keep the per-process memory cache.
CACHE_BACKEND = os.environ.get("CACHE_BACKEND", "").strip().lower()
if os.environ.get("REDIS_URL"):
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": os.environ["REDIS_URL"],
        }
    }
elif CACHE_BACKEND == "database":
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.db.DatabaseCache",
            "LOCATION": "zhucheng_cache",
        }
    }
elif CACHE_BACKEND in ("", "locmem"):
    if PRODUCTION:
        raise ImproperlyConfigured(
            "DJANGO_ENV=production needs a cache shared by all workers, not per-process "
            "memory: set REDIS_URL (e.g. redis://127.0.0.1:6379/0), or CACHE_BACKEND=database "
            "and run `manage.py createcachetable` (see README, Running in production)."
        )
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.locmem.LocMemCache",
            "LOCATION": "zhucheng",
        }
    }
else:
    raise ImproperlyConfigured(
        f"CACHE_BACKEND must be database or locmem, not {CACHE_BACKEND!r} (Redis: set REDIS_URL)"
    )

# Task queue (Celery). The broker is CELERY_BROKER_URL, else REDIS_URL; with neither
# (`make run`, the tests) every task runs eagerly in the calling process, through the
# same task code. Task state that users see is kept in the database, not in a result
# backend, so results are ignored.
CELERY_BROKER_URL = os.environ.get("CELERY_BROKER_URL") or os.environ.get("REDIS_URL") or ""
CELERY_TASK_ALWAYS_EAGER = not CELERY_BROKER_URL
CELERY_TASK_EAGER_PROPAGATES = True
CELERY_TASK_IGNORE_RESULT = True
CELERY_TASK_ACKS_LATE = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
CELERY_TIMEZONE = "Asia/Shanghai"
# The daily jobs, run by `celery -A zhucheng beat` beside the worker (times are
# Asia/Shanghai): the same services as `manage.py send_reminders` and
# `manage.py escalate_supervision`, both safe to run twice a day. Escalation first,
# so the morning's reminders go out after the 督办单 have moved up a level.
CELERY_BEAT_SCHEDULE = {
    "escalate-supervision-daily": {
        "task": "projects.tasks.escalate_supervision",
        "schedule": crontab(hour=7, minute=30),
    },
    "send-reminders-daily": {
        "task": "projects.tasks.send_reminders",
        "schedule": crontab(hour=8, minute=0),
    },
    # Generated files (PDFs) older than ZHUCHENG_FILE_KEEP_DAYS, before the working day.
    "expire-generated-files": {
        "task": "documents.tasks.expire_files",
        "schedule": crontab(hour=6, minute=0),
    },
}

# Argon2 first (Django's recommendation): memory-hard, and about a third less CPU per
# sign-in than PBKDF2 here, which matters on the morning sign-in rush (make loadtest).
# Existing PBKDF2 hashes still verify and are upgraded at the next sign-in.
PASSWORD_HASHERS = [
    "django.contrib.auth.hashers.Argon2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2SHA1PasswordHasher",
    "django.contrib.auth.hashers.ScryptPasswordHasher",
]

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    # Django's own, with a message its zh-hans catalogue (5.2.x) lacks.
    {"NAME": "common.security.MinimumLengthValidator", "OPTIONS": {"min_length": 10}},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "login"

# django-axes checks every login first: 5 wrong passwords for one user name from one
# address lock that pair for 30 minutes (logged as a warning; `manage.py
# axes_reset_username NAME` lifts it). Behind nginx every request comes from the proxy,
# so the lock is then per user name.
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]
AXES_FAILURE_LIMIT = envint("AXES_FAILURE_LIMIT", 5)
AXES_COOLOFF_TIME = dt.timedelta(minutes=envint("AXES_COOLOFF_MINUTES", 30))
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_RESET_ON_SUCCESS = True
# The log names the user and address that were locked out (passwords are always masked).
AXES_SENSITIVE_PARAMETERS: list[str] = []
AXES_LOCKOUT_CALLABLE = "common.security.lockout_response"
# The sign-in forms refuse a user name longer than the User model's (150); this cuts
# any other to that length before django-axes stores it in its varchar(255) column.
AXES_USERNAME_CALLABLE = "common.accounts.axes_username"

# --- Security headers and cookies -------------------------------------------

# Idle sessions end after two hours (every request pushes the expiry on) and when
# the browser closes.
SESSION_COOKIE_AGE = envint("SESSION_COOKIE_AGE", 2 * 60 * 60)
SESSION_SAVE_EVERY_REQUEST = True
SESSION_EXPIRE_AT_BROWSER_CLOSE = True
CSRF_COOKIE_HTTPONLY = True
# A stale form (the session ended, or the user signed out in another tab) gets a
# page in the site's layout, in the user's language (common.errors).
CSRF_FAILURE_VIEW = "common.errors.csrf_failure"

X_FRAME_OPTIONS = "DENY"
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"

# No inline script or style anywhere, in every mode, so that tests and developers
# meet the policy before production does: JavaScript and CSS live in static/.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [SELF],
        "script-src": [SELF],
        "style-src": [SELF],
        "img-src": [SELF, "data:"],
        "font-src": [SELF],
        "connect-src": [SELF],
        "object-src": [NONE],
        "base-uri": [SELF],
        "frame-ancestors": [NONE],
        "form-action": [SELF],
    }
}

if PRODUCTION:
    # Each can be turned off for a local plain-HTTP run (`make serve`), never behind HTTPS.
    SECURE_SSL_REDIRECT = envbool("SECURE_SSL_REDIRECT", "true")
    SESSION_COOKIE_SECURE = envbool("SESSION_COOKIE_SECURE", "true")
    CSRF_COOKIE_SECURE = envbool("CSRF_COOKIE_SECURE", "true")
    SECURE_HSTS_SECONDS = envint("SECURE_HSTS_SECONDS", 365 * 24 * 60 * 60)
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    SECURE_HSTS_PRELOAD = True

# Behind a reverse proxy that terminates TLS (nginx), set SECURE_PROXY_SSL_HEADER=1 so
# that Django trusts `X-Forwarded-Proto: https` — only if the proxy always sets it.
if envbool("SECURE_PROXY_SSL_HEADER", "false"):
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
CSRF_TRUSTED_ORIGINS = [
    o.strip() for o in os.environ.get("CSRF_TRUSTED_ORIGINS", "").split(",") if o.strip()
]

# Admin exports (django-import-export) escape text a spreadsheet would run as a formula.
EXPORT_FORMATS = [FormulaSafeXLSX, FormulaSafeCSV]

LANGUAGE_CODE = "zh-hans"
LANGUAGES = [("zh-hans", _("简体中文")), ("en", _("English"))]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = "Asia/Shanghai"
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATICFILES_DIRS = [BASE_DIR / "static"]
STATIC_ROOT = Path(os.environ.get("STATIC_ROOT", BASE_DIR / "staticfiles"))
MEDIA_ROOT = Path(os.environ.get("MEDIA_ROOT", BASE_DIR / "media"))
MEDIA_URL = "/media/"  # never served directly: evidence goes through a permission-checked view
# Evidence files are for this system alone: 0600 in 0700 directories (Django's default
# is 0644 files in directories of the process umask, readable by every local user).
FILE_UPLOAD_PERMISSIONS = 0o600
FILE_UPLOAD_DIRECTORY_PERMISSIONS = 0o700
# Static files are served by WhiteNoise; in production from collectstatic's hashed,
# compressed copies (far-future cache headers). They stay world-readable (they are
# public, and README shows nginx serving them), whatever the upload modes above.
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"
        if PRODUCTION
        else "django.contrib.staticfiles.storage.StaticFilesStorage",
        "OPTIONS": {"file_permissions_mode": 0o644, "directory_permissions_mode": 0o755},
    },
}
# `backup` writes data.json in this format: Django's "json" cuts times to milliseconds.
SERIALIZATION_MODULES = {"exactjson": "projects.exact_json"}

EMAIL_BACKEND = os.environ.get("EMAIL_BACKEND", "django.core.mail.backends.console.EmailBackend")
DEFAULT_FROM_EMAIL = os.environ.get("DEFAULT_FROM_EMAIL", "zhucheng@localhost")
# Error mail (HTTP 500 with its traceback) goes to ADMINS="Name <mail>,Name <mail>".
SERVER_EMAIL = os.environ.get("SERVER_EMAIL", DEFAULT_FROM_EMAIL)


def envadmins(name: str) -> list[tuple[str, str]]:
    value = os.environ.get(name, "")
    admins = getaddresses([value]) if value.strip() else []
    for _name, address in admins:
        if "@" not in address:
            raise ImproperlyConfigured(
                f'{name} must be "Name <mail>" entries separated by commas, not {value!r}'
            )
    return admins


ADMINS = envadmins("ADMINS")
# SMTP for the reminders (send_reminders, 督办单) when EMAIL_BACKEND is the smtp one.
EMAIL_HOST = os.environ.get("EMAIL_HOST", "localhost")
EMAIL_PORT = envint("EMAIL_PORT", 25)
EMAIL_HOST_USER = os.environ.get("EMAIL_HOST_USER", "")
EMAIL_HOST_PASSWORD = os.environ.get("EMAIL_HOST_PASSWORD", "")
EMAIL_USE_TLS = envbool("EMAIL_USE_TLS", "false")
EMAIL_USE_SSL = envbool("EMAIL_USE_SSL", "false")

# --- Domain settings -------------------------------------------------------

# The deployment's own jurisdiction: plans, units and vice-mayors created without
# naming a jurisdiction belong to it (issue 17). A province deployment names its
# province; every city and county below it is then a jurisdiction of its own.
ZHUCHENG_HOME_JURISDICTION = os.environ.get("ZHUCHENG_HOME_JURISDICTION", "诸城市")

# load_demo also loads the sample county programme (示例县, under 诸城市, with its own
# 2010 plan), so that the roll-up can be seen (issue 17); 0 leaves it out.
ZHUCHENG_DEMO_SAMPLE_COUNTY = envbool("ZHUCHENG_DEMO_SAMPLE_COUNTY", "1")

# A milestone turns amber this many days before it falls due (DESIGN.md, status rules).
ZHUCHENG_WARNING_DAYS = envint("ZHUCHENG_WARNING_DAYS", 7)

# Pin "today" (YYYY-MM-DD) for a demo of a past year; unset in production.
# `make run` pins it to 2010-09-30 so the 2010 demo plan looks mid-year.
ZHUCHENG_TODAY = os.environ.get("ZHUCHENG_TODAY", "")

# Largest targets workbook the importer accepts, in bytes (issue 3).
ZHUCHENG_IMPORT_MAX_BYTES = envint("ZHUCHENG_IMPORT_MAX_BYTES", 10 * 1024 * 1024)

# Reports go to the unit head (单位负责人) for approval before the mayor's office reviews them.
ZHUCHENG_HEAD_APPROVAL = envbool("ZHUCHENG_HEAD_APPROVAL", "true")

# Generated files (PDF reports) are kept in MEDIA_ROOT/generated/ this many days
# after they are built; a failed build is retried twice, first after this many seconds.
ZHUCHENG_FILE_KEEP_DAYS = envint("ZHUCHENG_FILE_KEEP_DAYS", 7)
ZHUCHENG_FILE_RETRY_BACKOFF = envint("ZHUCHENG_FILE_RETRY_BACKOFF", 10)

# Largest evidence file (佐证材料) a clerk may upload, in bytes.
ZHUCHENG_EVIDENCE_MAX_BYTES = envint("ZHUCHENG_EVIDENCE_MAX_BYTES", 10 * 1024 * 1024)

LOGGING: dict[str, Any] = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {
        "timed": {"format": "%(asctime)s %(levelname)s %(name)s %(process)d: %(message)s"},
    },
    "filters": {"require_debug_false": {"()": "django.utils.log.RequireDebugFalse"}},
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": "WARNING"},
    "loggers": {
        "zhucheng": {"handlers": ["console"], "level": "INFO", "propagate": False},
    },
}

if PRODUCTION:
    # Errors (failed requests with their traceback, failed e-mail, …) also go to
    # ERROR_LOG, a file that logrotate may move (WatchedFileHandler reopens it),
    # and failed requests are mailed to ADMINS.
    ERROR_LOG = Path(os.environ.get("ERROR_LOG", BASE_DIR / "errors.log"))
    if not ERROR_LOG.parent.is_dir() or not os.access(ERROR_LOG.parent, os.W_OK):
        raise ImproperlyConfigured(
            f"ERROR_LOG={ERROR_LOG}: its directory must exist and be writable by this user."
        )
    LOGGING["handlers"].update(
        error_file={
            "class": "logging.handlers.WatchedFileHandler",
            "filename": str(ERROR_LOG),
            "level": "ERROR",
            "formatter": "timed",
            "encoding": "utf-8",
        },
        mail_admins={
            "class": "django.utils.log.AdminEmailHandler",
            "level": "ERROR",
            "filters": ["require_debug_false"],
        },
    )
    LOGGING["root"]["handlers"].append("error_file")
    LOGGING["loggers"]["zhucheng"]["handlers"].append("error_file")
    LOGGING["loggers"].update(
        {
            "django.request": {
                "handlers": ["console", "error_file", "mail_admins"],
                "level": "WARNING",
                "propagate": False,
            },
            # Bad Host headers and the like: logged, not mailed (bots send plenty).
            "django.security": {
                "handlers": ["console", "error_file"],
                "level": "WARNING",
                "propagate": False,
            },
        }
    )
