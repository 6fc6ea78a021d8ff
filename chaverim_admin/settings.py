"""Settings for every environment, read from the environment (see .env.example)."""

import logging
from pathlib import Path

from django.core.exceptions import ImproperlyConfigured

from chaverim_admin.config import (
    database_connection_configure,
    env_bool,
    env_choice,
    env_cron,
    env_database,
    env_int,
    env_list,
    env_networks,
    env_redis_url,
    env_role,
    env_seconds,
    env_str,
)
from chaverim_admin.devstack import paths as devstack_paths
from chaverim_admin.logs import logging_config, structlog_configure

BASE_DIR = Path(__file__).resolve().parent.parent

DEBUG = env_bool("DEBUG", False)
SECRET_KEY = env_str("SECRET_KEY", "")
if not SECRET_KEY:
    if not DEBUG:
        raise ImproperlyConfigured("SECRET_KEY: required when DEBUG is false")
    SECRET_KEY = "django-insecure-development-only-key-do-not-use-in-production"  # noqa: S105

ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", ["127.0.0.1", "localhost"])
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS", [])

INSTALLED_APPS = [
    "core.admin_site.ChaverimAdminConfig",  # django.contrib.admin, its site checking query parameters
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django_tables2",
    "django_filters",
    "axes",
    "django_prometheus",
    "django_structlog",
    "core",
    "chaverim_admin",
    "events",
    "partitions",
    "watchlists",
    "collectors",
    "alerts",
    "holds",
]

MIDDLEWARE = [
    # Request counts and latencies for /metrics (django-prometheus): Before first, After last but for axes.
    "django_prometheus.middleware.PrometheusBeforeMiddleware",
    # One log line per request, redirects and static files included, with a request id (django-structlog).
    "django_structlog.middlewares.RequestMiddleware",
    "django.middleware.security.SecurityMiddleware",
    # Serves collected static files (the admin's and ours) from gunicorn, compressed.
    "whitenoise.middleware.WhiteNoiseMiddleware",
    # The probes answer whatever the Host header (a container is probed by its address); nothing else does.
    "core.middleware.ProbeMiddleware",
    # Content-Security-Policy (CONTENT_SECURITY_POLICY below): only this site's own scripts and styles.
    "csp.middleware.CSPMiddleware",
    # Cache-Control: no-store on every page: they show plates and audit data.
    "core.middleware.NoStoreMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "core.middleware.LoginRequiredMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    # A 405 gets the site's page (a link to a POST-only address), not an empty body.
    "core.middleware.MethodNotAllowedPageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django_prometheus.middleware.PrometheusAfterMiddleware",
    # Last, as axes asks: it turns a locked-out log-in's response into the lockout page.
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "chaverim_admin.urls"
WSGI_APPLICATION = "chaverim_admin.wsgi.application"

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
            ],
        },
    },
]

# Database: DATABASE_URL, or the embedded server's private socket when it is unset.
DATABASES = {"default": env_database("DATABASE_URL", devstack_paths.default_database())}
# An optional streaming replica (core/replica.py): the events search, the access log and the status page's
# statistics read from it; every write, maintenance and the access-log record itself go to DATABASE_URL.
if env_str("DATABASE_REPLICA_URL", "").strip():
    DATABASES["replica"] = env_database("DATABASE_REPLICA_URL", None)
DATABASE_ROUTERS = ["core.replica.ReplicaRouter"]
# Pages reading from the replica say how far behind it is when it lags by more than this.
DATABASE_REPLICA_LAG_NOTICE = env_seconds("DATABASE_REPLICA_LAG_NOTICE", 5.0)
# After the replica fails to answer, reads go to the primary for this long before it is asked again.
DATABASE_REPLICA_RETRY = env_seconds("DATABASE_REPLICA_RETRY", 10.0)
DB_POOL_SIZE = env_int("DB_POOL_SIZE", 5, minimum=0)
DB_MAX_OVERFLOW = env_int("DB_MAX_OVERFLOW", 10, minimum=0)
DB_ECHO = env_bool("DB_ECHO", False)
# Pooled connections idle longer than DB_POOL_MAX_IDLE are closed, and none lives past DB_POOL_MAX_LIFETIME.
DB_POOL_MAX_IDLE = env_seconds("DB_POOL_MAX_IDLE", 60.0)
DB_POOL_MAX_LIFETIME = env_seconds("DB_POOL_MAX_LIFETIME", 30 * 60.0)
for _alias, _database in DATABASES.items():
    # A replica that does not answer is given up on sooner: its reads then go to the primary.
    database_connection_configure(
        _database,
        pool_size=DB_POOL_SIZE,
        max_overflow=DB_MAX_OVERFLOW,
        max_idle=DB_POOL_MAX_IDLE,
        max_lifetime=DB_POOL_MAX_LIFETIME,
        patience=3 if _alias == "default" else 2,
        connect_timeout=5 if _alias == "default" else 2,
    )
DATABASES["default"]["TEST"] = {"NAME": f"test_{DATABASES['default']['NAME']}"}
if "replica" in DATABASES:
    # Tests never make a database of their own on the replica: it reads the primary's test database.
    DATABASES["replica"]["TEST"] = {"MIRROR": "default"}
# Least privilege (DESIGN.md, "WORM, by privilege first"): `migrate` grants the web's role what it needs and
# nothing more; the owner (DATABASE_URL of migrate, worker, beat) keeps everything. Unset: no grants.
DB_APP_ROLE = env_role("DB_APP_ROLE")
# The platform's ingestion role, if any: INSERT and SELECT on `events` only.
DB_INGEST_ROLE = env_role("DB_INGEST_ROLE")

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
AUTH_USER_MODEL = "core.User"
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "login"

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

LANGUAGE_CODE = "en-us"
TIME_ZONE = env_str("TIME_ZONE", "UTC")  # display only: everything is stored and computed in UTC
USE_I18N = True
USE_TZ = True
# ISO dates and a 24-hour clock wherever Django formats a date (the admin too): chaverim_admin/formats/.
FORMAT_MODULE_PATH = "chaverim_admin.formats"

STATIC_URL = "static/"
STATICFILES_DIRS = [BASE_DIR / "static"]
# collectstatic gathers every app's files here for WhiteNoise to serve (the image does so at build time).
STATIC_ROOT = Path(env_str("STATIC_ROOT", str(BASE_DIR / "staticfiles")))
# A checkout that has collected nothing (the tests, `make run`) has WhiteNoise find the files in the apps
# instead, as in development, rather than warn about a missing STATIC_ROOT and serve nothing.
WHITENOISE_AUTOREFRESH = not STATIC_ROOT.is_dir()
WHITENOISE_USE_FINDERS = WHITENOISE_AUTOREFRESH
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedStaticFilesStorage"},
}

# Security: secure by default; SECURE_SSL_REDIRECT can be switched off behind a TLS-terminating proxy.
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT", not DEBUG)
# Probes and Prometheus speak plain HTTP inside the cluster.
SECURE_REDIRECT_EXEMPT = [r"^healthz$", r"^readyz$", r"^metrics$"]
SESSION_COOKIE_SECURE = env_bool("SESSION_COOKIE_SECURE", not DEBUG)
CSRF_COOKIE_SECURE = env_bool("CSRF_COOKIE_SECURE", not DEBUG)
SECURE_HSTS_SECONDS = env_int("SECURE_HSTS_SECONDS", 0 if DEBUG else 31536000, minimum=0)
SECURE_HSTS_INCLUDE_SUBDOMAINS = env_bool("SECURE_HSTS_INCLUDE_SUBDOMAINS", not DEBUG)
SECURE_HSTS_PRELOAD = env_bool("SECURE_HSTS_PRELOAD", False)
SESSION_COOKIE_HTTPONLY = True
# A session ends SESSION_MAX_AGE after logging in (default 8 hours), or when the browser closes.
SESSION_MAX_AGE = env_seconds("SESSION_MAX_AGE", 8 * 3600.0)
SESSION_COOKIE_AGE = max(1, round(SESSION_MAX_AGE))
SESSION_EXPIRE_AT_BROWSER_CLOSE = True
# django-csp: this site's own scripts, styles, images and fonts only; no inline script or style, no framing.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "base-uri": ["'self'"],
        "form-action": ["'self'"],
        "frame-ancestors": ["'none'"],
        "object-src": ["'none'"],
    }
}
X_FRAME_OPTIONS = "DENY"
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CONTENT_TYPE_NOSNIFF = True

# Celery (Redis protocol; the embedded Valkey's private socket when REDIS_URL is unset).
REDIS_URL = env_redis_url("REDIS_URL", devstack_paths.default_redis_url())
CELERY_BROKER_URL = REDIS_URL
CELERY_BROKER_CONNECTION_TIMEOUT = 3
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
CELERY_BROKER_TRANSPORT_OPTIONS = {"visibility_timeout": 3600, "socket_connect_timeout": 3}
CELERY_TASK_IGNORE_RESULT = True
CELERY_TASK_SERIALIZER = "json"
CELERY_ACCEPT_CONTENT = ["json"]
CELERY_TIMEZONE = "UTC"
CELERY_ENABLE_UTC = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True

# Partition maintenance (DESIGN.md, "Partition maintenance").
PARTITION_PREMAKE_MONTHS = env_int("PARTITION_PREMAKE_MONTHS", 3, minimum=1, maximum=120)
PARTITION_RETENTION_MONTHS = env_int("PARTITION_RETENTION_MONTHS", 84, minimum=1, maximum=1200)
PARTITION_RETENTION_MODE = env_choice("PARTITION_RETENTION_MODE", "drop", ("drop", "detach"))
PARTITION_LOCK_TIMEOUT = env_seconds("PARTITION_LOCK_TIMEOUT", 5.0)
PARTITION_MAX_DROPS_PER_RUN = env_int("PARTITION_MAX_DROPS_PER_RUN", 6, minimum=0)
# Rows in DEFAULT up to this many months beyond premake get their month made; further ahead they stay there.
PARTITION_FUTURE_HORIZON_MONTHS = env_int("PARTITION_FUTURE_HORIZON_MONTHS", 2, minimum=0, maximum=120)
# How long one action retries brief lock waits (each at most 0.2 s) before it is left for the next run.
PARTITION_ACTION_PATIENCE = env_seconds("PARTITION_ACTION_PATIENCE", 60.0)
PARTITION_MAINTENANCE_CRON = env_cron("PARTITION_MAINTENANCE_CRON", "15 * * * *")
# One policy per table: monthly entries take the PARTITION_* values above unless they name their own
# (premake, retention, retention_mode, future_horizon); a daily entry counts them in days.
PARTITION_REGISTRY = [
    {"table": "events", "column": "captured_at"},
    {"table": "audit_log", "column": "occurred_at"},
    {"table": "alert_queue", "column": "created_at", "interval": "day", "premake": 7, "retention": 30},
]

# Releasing a legal hold takes a second user (not the one who placed it) unless this is false.
LEGAL_HOLD_TWO_PERSON_RELEASE = env_bool("LEGAL_HOLD_TWO_PERSON_RELEASE", True)
# A month with more rows than this waiting in DEFAULT is drained in batches of this many, each committed.
PARTITION_DRAIN_BATCH = env_int("PARTITION_DRAIN_BATCH", 100_000, minimum=1)

EVENTS_MAX_WINDOW_DAYS = env_int("EVENTS_MAX_WINDOW_DAYS", 366, minimum=1)
# Every plate search states its purpose (recorded in the access log with the case number); false makes the
# purpose optional, and searches are still recorded.
EVENTS_REQUIRE_PURPOSE = env_bool("EVENTS_REQUIRE_PURPOSE", True)

# The audit log's hash chain is verified daily by beat (`python manage.py audit verify` by hand), UTC.
AUDIT_VERIFY_CRON = env_cron("AUDIT_VERIFY_CRON", "30 3 * * *")

# Demo data (python manage.py seed_demo).
DEMO_PASSWORD = env_str("DEMO_PASSWORD", "")

# --- Logs (chaverim_admin/logs.py) -------------------------------------------------------------------------
# One line per event on stderr: JSON for log shippers (the default), plain for people (`make run` sets it).
LOG_FORMAT = env_choice("LOG_FORMAT", "json", ("json", "plain"))
LOGGING = logging_config(log_format=LOG_FORMAT, sql_echo=DB_ECHO)
structlog_configure()
# django-structlog: a request logs one line when it ends (request_finished, or request_failed with the
# traceback), not a second when it starts; its request id is ours, never a client's X-Request-ID; the user id
# and client address are bound by core/request_log.py (without a database read, and through the proxy count).
DJANGO_STRUCTLOG_STATUS_START_LOG_LEVEL = logging.DEBUG
DJANGO_STRUCTLOG_TRUST_UPSTREAM_REQUEST_ID = False
DJANGO_STRUCTLOG_USER_ID_FIELD = None
DJANGO_STRUCTLOG_IP_LOGGING_ENABLED = False
# The request id travels with the tasks a request queues (Run now), into the worker's log lines.
DJANGO_STRUCTLOG_CELERY_ENABLED = True

# --- Metrics (/metrics; core/metrics.py) --------------------------------------------------------------------
# A scraper presents METRICS_TOKEN as a bearer token, or comes from an address in METRICS_ALLOWED_NETS (read
# as log-in throttling reads it, through LOGIN_THROTTLE_PROXY_COUNT proxies). Neither configured: 404.
METRICS_TOKEN = env_str("METRICS_TOKEN", "").strip()
if METRICS_TOKEN and len(METRICS_TOKEN) < 20:
    raise ImproperlyConfigured("METRICS_TOKEN: must be at least 20 characters (or unset)")
METRICS_ALLOWED_NETS = env_networks("METRICS_ALLOWED_NETS", ["127.0.0.0/8", "::1/128"])

# --- Log-in throttling (django-axes; core/throttling.py) --------------------------------------------------
# Failed log-ins are counted per username and per client address; past either limit every log-in attempt
# (right or wrong, for the site or the admin) is refused until the last counted failure is 15 minutes old.
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",  # first: refuses locked-out log-ins before any password check
    "django.contrib.auth.backends.ModelBackend",
]
LOGIN_THROTTLE_USER_FAILURES = 5
LOGIN_THROTTLE_ADDRESS_FAILURES = 20  # higher: one office or NAT address serves many people
# Number of reverse proxies in front that append to X-Forwarded-For (0: use REMOTE_ADDR).
LOGIN_THROTTLE_PROXY_COUNT = env_int("LOGIN_THROTTLE_PROXY_COUNT", 0, minimum=0)
# Axes' database handler (every gunicorn worker shares the counts), subclassed for a limit per parameter.
AXES_HANDLER = "core.throttling.LoginAttemptHandler"
AXES_LOCKOUT_PARAMETERS = ["username", "ip_address"]  # either one, not their combination
AXES_FAILURE_LIMIT = LOGIN_THROTTLE_USER_FAILURES
AXES_COOLOFF_TIME = 15 / 60  # hours, as axes reads a number: 15 minutes
AXES_RESET_COOL_OFF_ON_FAILURE_DURING_LOCKOUT = False  # attempts refused during a lockout do not extend it
AXES_RESET_ON_SUCCESS = True  # forgets the username's failures (only those: see reset_user_attempts)
AXES_USERNAME_CALLABLE = "core.throttling.username_key"
AXES_CLIENT_IP_CALLABLE = "core.throttling.client_address"
AXES_LOCKOUT_TEMPLATE = "registration/locked_out.html"  # answered with status 429
AXES_DISABLE_ACCESS_LOG = True  # successful log-ins are not recorded: that table would grow without end

# --- Deployment checks --------------------------------------------------------------------------------------
# HSTS preloading binds the whole registrable domain and every subdomain to HTTPS in browsers' built-in lists,
# for months after opting out: the domain's owner decides (SECURE_HSTS_PRELOAD), so its reminder stays quiet.
SILENCED_SYSTEM_CHECKS = ["security.W021"]
