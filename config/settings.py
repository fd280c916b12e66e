"""Tiwizi settings: one file, read from the environment, safe embedded defaults.

With no environment at all the site runs on SQLite in the project folder, stores media on
disk and prints emails to the console. Production values are listed in the README.
"""

import os
from datetime import timedelta
from pathlib import Path

import dj_database_url
from csp.constants import NONE, SELF
from django.core.exceptions import ImproperlyConfigured
from django.utils.translation import gettext_lazy as _

BASE_DIR = Path(__file__).resolve().parent.parent


def env_bool(name, default=False):
    value = os.environ.get(name)
    if value is None:
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def env_list(name, default=""):
    return [item.strip() for item in os.environ.get(name, default).split(",") if item.strip()]


DEBUG = env_bool("DEBUG", default=False)

# The embedded default key is only good for a machine nobody else reaches; production
# refuses to start without a real one.
_DEV_SECRET_KEY = "insecure-tiwizi-development-key-change-me-0123456789abcdefghijklmnop"
SECRET_KEY = os.environ.get("SECRET_KEY", _DEV_SECRET_KEY)
if SECRET_KEY == _DEV_SECRET_KEY and not DEBUG and env_bool("TIWIZI_PRODUCTION"):
    raise ImproperlyConfigured("Set SECRET_KEY in production.")

ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", "127.0.0.1,localhost,[::1],testserver")
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS")

INSTALLED_APPS = [
    # The admin, for superusers only (core/admin_site.py).
    "core.admin_site.SuperuserAdminConfig",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "rest_framework",
    "django_filters",
    "drf_spectacular",
    # The API docs' Swagger UI served from our own static files: nothing loads from the internet.
    "drf_spectacular_sidecar",
    # Content-Security-Policy on every response (CONTENT_SECURITY_POLICY below).
    "csp",
    # Failed log-ins counted per account and per address (AXES_* below, accounts/login_limits.py).
    "axes",
    # Ours, lowest layer first: imports flow down this list (pyproject.toml, [tool.importlinter]).
    "core",
    "accounts",
    "projects",
    "donations",
    "payments",
    "receipts",
    "publishing",
    "moderation",
    "pages",
    "api",
    "demo",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    # Static files straight from the app, without a separate web server (right after Security,
    # as WhiteNoise asks): hashed names for a year, pre-compressed copies when the browser takes them.
    "whitenoise.middleware.WhiteNoiseMiddleware",
    # Pages, JSON, SVG and feeds gzip-compressed when the client accepts it, once every other
    # middleware has written the body (so first in the list). BREACH: Django masks the CSRF token
    # anew in every response, the mitigation its docs give for compressing pages with secrets.
    "django.middleware.gzip.GZipMiddleware",
    # 304 Not Modified to If-None-Match / If-Modified-Since, on the uncompressed body's ETag (after
    # GZip in the list, so before it on the way out, as Django's docs order them).
    "django.middleware.http.ConditionalGetMiddleware",
    "csp.middleware.CSPMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    # A NUL character anywhere in a request is a 400 before any view or lookup (core/nul_bytes.py);
    # after LocaleMiddleware (the answer's language), before AuthenticationMiddleware (the session).
    "core.nul_bytes.RefuseNulCharactersMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    # A signed-in member's pages in their own language (after LocaleMiddleware's choice, which
    # stays an anonymous visitor's).
    "accounts.languages.MemberLanguageMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    # Last, as axes asks: turns a locked-out log-in into our 429 page (AXES_LOCKOUT_CALLABLE).
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "config.urls"

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
                "django.template.context_processors.i18n",
            ],
        },
    },
]

WSGI_APPLICATION = "config.wsgi.application"

DATABASES = {
    "default": dj_database_url.config(
        default=f"sqlite:///{BASE_DIR / 'db.sqlite3'}",
        conn_max_age=int(os.environ.get("DATABASE_CONN_MAX_AGE", "0")),
    )
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # Wait for a writer instead of failing at once when two requests write together.
    DATABASES["default"].setdefault("OPTIONS", {})["timeout"] = 20

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_USER_MODEL = "accounts.Member"
# Axes first: it refuses a locked-out account or address before any password is checked.
AUTHENTICATION_BACKENDS = ["axes.backends.AxesStandaloneBackend", "accounts.backends.HandleOrEmailBackend"]
LOGIN_URL = "accounts:login"
LOGIN_REDIRECT_URL = "pages:home"
LOGOUT_REDIRECT_URL = "pages:home"
# A password reset link works once (its token changes with the password) and for a day.
PASSWORD_RESET_TIMEOUT = 24 * 3600

PASSWORD_HASHERS = [
    "django.contrib.auth.hashers.Argon2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

# French first, then English; Arabic (right-to-left) comes with its translation.
LANGUAGE_CODE = "fr"
LANGUAGES = [("fr", _("French")), ("en", _("English")), ("ar", _("Arabic"))]
LOCALE_PATHS = [BASE_DIR / "locale"]
# Our corrections of Django's formats of a language (config/formats/<language>/formats.py).
FORMAT_MODULE_PATH = ["config.formats"]
TIME_ZONE = "UTC"
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATICFILES_DIRS = [BASE_DIR / "static"]
STATIC_ROOT = Path(os.environ.get("STATIC_ROOT", BASE_DIR / "staticfiles"))
# Static files under hashed names (tiwizi.3f2a….css), gzip- and Brotli-compressed ahead of time,
# served by WhiteNoise with a year's Cache-Control: a new stylesheet is a new name. On once
# collectstatic has written its manifest (`STATIC_MANIFEST=1 manage.py collectstatic`), so that
# `make run` and the tests, which never collect, keep plain names.
STATIC_MANIFEST = env_bool("STATIC_MANIFEST", default=(STATIC_ROOT / "staticfiles.json").exists())
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"
        if STATIC_MANIFEST
        else "django.contrib.staticfiles.storage.StaticFilesStorage"
    },
}
# A hashed name never changes content: browsers and proxies keep it for a year (WhiteNoise's
# default for hashed names); other static files (the favicon) an hour.
WHITENOISE_MAX_AGE = 3600
MEDIA_URL = "media/"
MEDIA_ROOT = Path(os.environ.get("MEDIA_ROOT", BASE_DIR / "media"))
# Receipt PDFs carry donors' legal names: kept outside MEDIA_ROOT (which may be served as is)
# and returned only by the receipt download views (receipts/models.py).
PRIVATE_MEDIA_ROOT = Path(os.environ.get("PRIVATE_MEDIA_ROOT", BASE_DIR / "private"))
# The site's public address, printed on receipts (verification QR code) and used in emails.
SITE_URL = os.environ.get("SITE_URL", "http://127.0.0.1:8000").rstrip("/")
FILE_UPLOAD_MAX_MEMORY_SIZE = 5 * 1024 * 1024
DATA_UPLOAD_MAX_MEMORY_SIZE = 5 * 1024 * 1024

EMAIL_BACKEND = os.environ.get("EMAIL_BACKEND", "django.core.mail.backends.console.EmailBackend")
DEFAULT_FROM_EMAIL = os.environ.get("DEFAULT_FROM_EMAIL", "Tiwizi <no-reply@tiwizi.invalid>")

# Background work: Celery (config/celery.py, each app's tasks.py; README "Background work").
# Receipt PDFs and emails, and the emails of published updates, are enqueued after the commit.
CELERY_BROKER_URL = os.environ.get("CELERY_BROKER_URL", "")
# No broker (one machine, `make run`): each task runs in the process that enqueued it, right after
# its commit, as pretix does; nothing else to start. Its errors are logged, not raised: the task
# runs in an on_commit callback of a request whose work is committed, so raising would answer 500
# for a success (and skip the callbacks after it); what failed is recovered as with a worker (a
# receipt's PDF at its first download, an update email by `manage.py send_update_emails`).
CELERY_TASK_ALWAYS_EAGER = not CELERY_BROKER_URL
CELERY_TASK_EAGER_PROPAGATES = False
# A task is acknowledged once it has run, and given back when its worker process dies: a killed
# worker loses nothing (the tasks are idempotent, so running one again changes nothing). One
# message at a time per process, so a long task does not hold others another process could run.
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
# No result backend: nobody waits for a task's return value; what a task did is in the rows it
# writes (a receipt's PDF and emailed_at, an UpdateEmail's status).
CELERY_TASK_IGNORE_RESULT = True
# Tasks are short (one PDF, one email): a task still running after these is stuck, not busy.
CELERY_TASK_SOFT_TIME_LIMIT = 60
CELERY_TASK_TIME_LIMIT = 120
# Redis redelivers a message not acknowledged within the visibility timeout, even to a second
# worker while the first still holds it, and a retry's countdown (an ETA) counts too. So tasks
# stay short (above), no retry waits more than 10 minutes (core/background.py), and the timeout
# is set explicitly, well above both: 30 minutes. It is also how long the tasks of a worker killed
# outright take to come back (a killed pool process's come back at once), the same delay as an
# update email left "sending" (publishing/update_emails.py, STALE_AFTER). RabbitMQ ignores it:
# its consumer_timeout (30 minutes by default) is above them too.
CELERY_BROKER_TRANSPORT_OPTIONS = {"visibility_timeout": 30 * 60}
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True

# Card pledges (Stripe Checkout, payments/) are offered only when the secret key is
# set; the webhook secret is the signing secret of the endpoint /stripe/webhook/ (README "Card payments").
STRIPE_SECRET_KEY = os.environ.get("STRIPE_SECRET_KEY", "")
STRIPE_PUBLISHABLE_KEY = os.environ.get("STRIPE_PUBLISHABLE_KEY", "")
STRIPE_WEBHOOK_SECRET = os.environ.get("STRIPE_WEBHOOK_SECRET", "")
# Only the tests (a local fake of Stripe) change where the Stripe API is.
STRIPE_API_BASE = os.environ.get("STRIPE_API_BASE", "https://api.stripe.com")
# How long a webhook waits for a pledge's lock before answering 503 (Stripe then retries).
STRIPE_LOCK_TIMEOUT_MS = int(os.environ.get("STRIPE_LOCK_TIMEOUT_MS", "5000"))

# Behind a TLS-terminating proxy in production.
if env_bool("TIWIZI_PRODUCTION"):
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT", True)
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True
    SECURE_HSTS_SECONDS = int(os.environ.get("SECURE_HSTS_SECONDS", "31536000"))
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    SECURE_HSTS_PRELOAD = True

# Content-Security-Policy (django-csp; README "Content Security Policy"): everything from our own
# origin only, no inline script or style anywhere, no plugins, no framing. img-src 'self' keeps a
# third-party image (a tracking pixel) from loading even if one got past the Markdown sanitiser.
# Form posts may lead to Stripe Checkout: the pay form's answer is a redirect there, and Chromium
# checks form-action on the redirect too. The API docs page alone adds data: images, for Swagger
# UI's icons (api/urls.py).
STRIPE_CHECKOUT_ORIGIN = "https://checkout.stripe.com"
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [SELF],
        "img-src": [SELF],
        "script-src": [SELF],
        "style-src": [SELF],
        "object-src": [NONE],
        "base-uri": [SELF],
        "form-action": [SELF, STRIPE_CHECKOUT_ORIGIN],
        "frame-ancestors": [NONE],
    },
}

# A shared cache (Redis) when REDIS_URL is set; otherwise memory local to each process, which is
# right for one process only: the API's response cache is then off unless asked for.
REDIS_URL = os.environ.get("REDIS_URL", "")
if REDIS_URL:
    # Django's Redis cache, reusing its Redis client (core/redis_cache.py).
    CACHES = {"default": {"BACKEND": "core.redis_cache.RedisCache", "LOCATION": REDIS_URL}}
else:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache", "LOCATION": "tiwizi"}}

# The REST API (api/). Public project lists and details are served from the cache, invalidated
# after every commit that changes them (core/cache_versions.py); see README "API".
API_RESPONSE_CACHE = env_bool("API_RESPONSE_CACHE", default=bool(REDIS_URL))
API_RESPONSE_CACHE_SECONDS = int(os.environ.get("API_RESPONSE_CACHE_SECONDS", "3600"))
# Public pages (list, project, community, feeds, badge, card, report) served from the same cache
# under the same versions (core/page_cache.py), for anonymous visitors and members who see them
# as the public does. An entry lives at most PAGE_CACHE_SECONDS, so that what a page dates from
# today ("generated on", a report's date) is at most that old; a commit replaces it at once.
PAGE_CACHE = env_bool("PAGE_CACHE", default=bool(REDIS_URL))
PAGE_CACHE_SECONDS = int(os.environ.get("PAGE_CACHE_SECONDS", "600"))

# How many proxies we run in front of the app (a load balancer, nginx): the client's address for
# every rate limit is read that many hops from the right of X-Forwarded-For. 0 (the default)
# ignores the header, which the client writes. See README "Limits" and core/rates.py.
NUM_PROXIES = int(os.environ.get("NUM_PROXIES", "0"))
# Limits of the pages, per member or per address, as "count/period" (core/rates.py). The API's
# are in REST_FRAMEWORK["DEFAULT_THROTTLE_RATES"] below.
RATE_LIMITS = {
    "flag": os.environ.get("RATE_LIMIT_FLAG", "10/hour"),
    # Per address, every POST of the sign-up form (a person who mistypes has room to retry).
    "signup": os.environ.get("RATE_LIMIT_SIGNUP", "10/hour"),
    # Getting back into an account (accounts/recovery.py), the page and the API counting together.
    # Per address, every request for a password reset email.
    "password_reset": os.environ.get("RATE_LIMIT_PASSWORD_RESET", "10/hour"),
    # Per account, the reset emails that actually leave: past it, requests are answered alike and
    # nothing is sent, so that nobody can fill a member's inbox from many addresses.
    "password_reset_account": os.environ.get("RATE_LIMIT_PASSWORD_RESET_ACCOUNT", "3/hour"),
    # Per address, and per handle typed, every try of a recovery code: codes cannot be guessed.
    "recovery": os.environ.get("RATE_LIMIT_RECOVERY", "10/hour"),
    "recovery_handle": os.environ.get("RATE_LIMIT_RECOVERY_HANDLE", "5/hour"),
    # Per member, the co-lead invitations they send (the team page and the API counting together),
    # and the invitation emails one member may receive, whoever sends them (projects/limits.py).
    "invitation": os.environ.get("RATE_LIMIT_INVITATION", "20/day"),
    "invitation_email": os.environ.get("RATE_LIMIT_INVITATION_EMAIL", "5/day"),
}
# The pledge page counts against the API's "pledge" budget (REST_FRAMEWORK below), per member.

# Log-in (django-axes): after LOGIN_FAILURE_LIMIT failures for one account, or from one address,
# that account or address is refused for LOGIN_COOLOFF_MINUTES after its last attempt. Counted in
# the cache (as every other limit: Redis in production, shared by the processes), so that no
# address or typed handle is kept anywhere once the cool-off is over.
AXES_HANDLER = "axes.handlers.cache.AxesCacheHandler"
AXES_FAILURE_LIMIT = int(os.environ.get("LOGIN_FAILURE_LIMIT", "10"))
AXES_COOLOFF_TIME = timedelta(minutes=int(os.environ.get("LOGIN_COOLOFF_MINUTES", "15")))
AXES_LOCKOUT_PARAMETERS = ["ip_address", "username"]  # each on its own, not the pair
AXES_USERNAME_FORM_FIELD = "username"  # what the log-in forms (ours and the admin's) post
AXES_USERNAME_CALLABLE = "accounts.login_limits.login_identity"
AXES_CLIENT_IP_CALLABLE = "core.rates.address_ident"
AXES_LOCKOUT_CALLABLE = "accounts.login_limits.locked_out"
# Nothing stored in the database, so nothing for the admin to show.
AXES_ENABLE_ADMIN = False
AXES_VERBOSE = False  # no banner at every start; failures are still logged, without names
# Flags (moderation app): content reported by this many distinct members is hidden until a
# moderator of its community restores or removes it.
FLAG_HIDE_THRESHOLD = int(os.environ.get("FLAG_HIDE_THRESHOLD", "3"))

REST_FRAMEWORK = {
    # Token first: an unauthenticated request is then answered 401 with a WWW-Authenticate header.
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "api.authentication.TokenAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticatedOrReadOnly"],
    "DEFAULT_FILTER_BACKENDS": ["django_filters.rest_framework.DjangoFilterBackend"],
    "DEFAULT_PAGINATION_CLASS": "api.pagination.PageNumberPagination",
    "PAGE_SIZE": 20,
    "DEFAULT_RENDERER_CLASSES": ["rest_framework.renderers.JSONRenderer"],
    # JSON within bounds: no NUL character, no deep nesting (api/parsers.py, core/json_input.py).
    "DEFAULT_PARSER_CLASSES": ["api.parsers.JSONParser"],
    "DEFAULT_THROTTLE_CLASSES": ["api.throttling.AnonymousThrottle", "api.throttling.MemberThrottle"],
    "DEFAULT_THROTTLE_RATES": {
        "anonymous": os.environ.get("API_THROTTLE_ANONYMOUS", "120/minute"),
        "member": os.environ.get("API_THROTTLE_MEMBER", "600/minute"),
        "pledge": os.environ.get("API_THROTTLE_PLEDGE", "30/hour"),
    },
    "EXCEPTION_HANDLER": "api.errors.exception_handler",
    "DEFAULT_SCHEMA_CLASS": "api.schema.AutoSchema",
}

SPECTACULAR_SETTINGS = {
    "TITLE": "Tiwizi API",
    "DESCRIPTION": "Projects, needs, pledges and what arrived, for bots and other clients.",
    "VERSION": "1",
    "SERVE_INCLUDE_SCHEMA": False,
    "COMPONENT_SPLIT_REQUEST": True,
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    # No validator badge: it is an image from swagger.io (refused by img-src, and a request that
    # would tell that host who reads our docs).
    "SWAGGER_UI_SETTINGS": {"deepLinking": True, "validatorUrl": None},
    "REDOC_DIST": "SIDECAR",
    "ENUM_NAME_OVERRIDES": {
        "ProjectStatusEnum": "projects.models.Project.Status",
        "NeedStatusEnum": "donations.models.Need.Status",
        "PledgeStatusEnum": "donations.models.Pledge.Status",
    },
}


LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": os.environ.get("LOG_LEVEL", "INFO")},
    # WeasyPrint logs every step of every PDF at INFO.
    "loggers": {"weasyprint.progress": {"level": "WARNING"}},
}

# Handles are unique without regard to case through a database constraint on LOWER(handle),
# which Django's check for a plain unique column does not see.
SILENCED_SYSTEM_CHECKS = ["auth.W004"]
if not REDIS_URL and not env_bool("TIWIZI_PRODUCTION"):
    # Axes warns that a cache local to each process counts each process's log-ins apart: right
    # for one process (development, tests), not for production, where the warning stays.
    SILENCED_SYSTEM_CHECKS.append("axes.W001")
