"""Settings for factcheck, read from the environment (see README "Settings")."""

import ipaddress
import os
import sys
from datetime import timedelta
from pathlib import Path
from urllib.parse import urlsplit

import dj_database_url

BASE_DIR = Path(__file__).resolve().parent.parent


def env_bool(name: str, default: bool = False) -> bool:
    value = os.environ.get(name)
    if value is None or value == "":
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def env_list(name: str, default: str = "") -> list[str]:
    return [item.strip() for item in os.environ.get(name, default).split(",") if item.strip()]


DEBUG = env_bool("DJANGO_DEBUG")

SECRET_KEY = os.environ.get("DJANGO_SECRET_KEY", "")
# `manage.py makemigrations` only compares the models with the migrations: it serves and signs nothing.
_MODELS_ONLY = len(sys.argv) > 1 and os.path.basename(sys.argv[0]) == "manage.py" and sys.argv[1] == "makemigrations"
if not SECRET_KEY:
    if not (DEBUG or _MODELS_ONLY):
        sys.exit("factcheck: set DJANGO_SECRET_KEY (or DJANGO_DEBUG=1 for local development) before starting.")
    SECRET_KEY = "insecure-key-only-for-DJANGO_DEBUG-and-makemigrations"  # noqa: S105
# Keys it replaced, still accepted for what they signed (sessions, recovery codes) while those run out.
SECRET_KEY_FALLBACKS = env_list("DJANGO_SECRET_KEY_FALLBACKS", "")

ALLOWED_HOSTS = env_list("DJANGO_ALLOWED_HOSTS", "localhost,127.0.0.1,[::1]" if DEBUG else "")

# The site's identity, used in pages, feeds and ClaimReview.
SITE_NAME = os.environ.get("FACTCHECK_SITE_NAME", "factcheck")
SITE_URL = os.environ.get("FACTCHECK_SITE_URL", "http://127.0.0.1:8000").rstrip("/")
PUBLISHER_NAME = os.environ.get("FACTCHECK_PUBLISHER_NAME", "factcheck demo newsroom")
PUBLISHER_URL = os.environ.get("FACTCHECK_PUBLISHER_URL", SITE_URL)
# Who a claim page says checked it: "reviewers" (their public names) or "desk" (DESK_NAME).
BYLINE = os.environ.get("FACTCHECK_BYLINE", "").strip().lower() or "reviewers"
if BYLINE not in ("reviewers", "desk"):
    sys.exit(f"factcheck: FACTCHECK_BYLINE is {BYLINE!r}; set it to 'reviewers' or 'desk'.")
DESK_NAME = os.environ.get("FACTCHECK_DESK_NAME", "").strip() or f"the {PUBLISHER_NAME} desk"

INSTALLED_APPS = [
    "twofactor.apps.TwoFactorAdminConfig",  # django.contrib.admin, with a site that asks for the second factor
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.contrib.sitemaps",
    "django.contrib.humanize",
    "rest_framework",
    # Kept only for apikeys/migrations/0002, which moves its plaintext tokens into hashed keys and empties its table;
    # nothing authenticates with it (apikeys.authentication reads the migrated keys) and its admin is unregistered.
    "rest_framework.authtoken",
    "rest_framework_api_key",  # the abstract key model apikeys.APIKey extends; its own table stays empty
    "django_filters",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "corsheaders",
    "simple_history",
    "axes",
    "django_otp",
    "django_otp.plugins.otp_totp",
    "django_otp.plugins.otp_static",
    "django_otp_webauthn",
    "background",  # before django_tasks_db: its db_worker also keeps the recurring tasks scheduled
    "django_tasks",
    "django_tasks_db",
    "django_rq",
    "claims",
    "public",
    "exchange",
    "archive",
    "apikeys",
    "following",
    "webhooks",
    "demo",
    "twofactor",
    "factcheck",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "factcheck.middleware.ContentSecurityPolicyMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "corsheaders.middleware.CorsMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django_otp.middleware.OTPMiddleware",  # request.user.is_verified(): passed a second factor this session
    "twofactor.middleware.SecondFactorMiddleware",  # a password-only staff session: second step, else anonymous
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "simple_history.middleware.HistoryRequestMiddleware",
    "axes.middleware.AxesMiddleware",  # last: turns a locked-out login into its lockout page
]

ROOT_URLCONF = "factcheck.urls"

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
                "public.context_processors.site",
            ],
        },
    },
]

WSGI_APPLICATION = "factcheck.wsgi.application"
ASGI_APPLICATION = "factcheck.asgi.application"

DATABASES = {
    "default": dj_database_url.parse(
        os.environ.get("DATABASE_URL") or f"sqlite:///{BASE_DIR / 'db.sqlite3'}",
        conn_max_age=int(os.environ.get("DATABASE_CONN_MAX_AGE", "60")),
        conn_health_checks=True,
    )
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # Wait for a writer rather than failing at once; WAL-friendly pragmas.
    DATABASES["default"]["OPTIONS"] = {
        "timeout": 20,
        "transaction_mode": "IMMEDIATE",
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
    }

# Read replicas (docs/DEPLOY.md): reads go to a replica, writes and the reads of a request that has written
# (or of a client that wrote in the last DATABASE_REPLICA_PIN_SECONDS) to the primary (factcheck/db_router.py).
DATABASE_REPLICAS = []
for _number, _url in enumerate(env_list("DATABASE_REPLICA_URLS"), start=1):
    _where = f"DATABASE_REPLICA_URLS: URL number {_number}"
    try:
        _replica = dj_database_url.parse(
            _url, conn_max_age=DATABASES["default"]["CONN_MAX_AGE"], conn_health_checks=True
        )
    except ValueError:
        sys.exit(f"factcheck: {_where} is not a database URL (e.g. postgres://user:password@replica-host:5432/name).")
    if _replica["ENGINE"] != DATABASES["default"]["ENGINE"]:
        sys.exit(f"factcheck: {_where} is not the same database engine as DATABASE_URL: a replica is a copy of it.")
    if not _replica.get("NAME"):
        sys.exit(f"factcheck: {_where} names no database (e.g. postgres://user:password@replica-host:5432/name).")
    # In tests a replica is the test database itself (no copy of it is made).
    _replica["TEST"] = {"MIRROR": "default"}
    if _replica["ENGINE"] == "django.db.backends.postgresql":
        # A replica host that does not answer is left out after this many seconds, not the system's minutes.
        _replica.setdefault("OPTIONS", {}).setdefault("connect_timeout", 3)
    DATABASES[f"replica{_number}"] = _replica
    DATABASE_REPLICAS.append(f"replica{_number}")
_pin = os.environ.get("DATABASE_REPLICA_PIN_SECONDS", "").strip() or "5"
if not (_pin.isascii() and _pin.isdigit()):
    sys.exit(f"factcheck: DATABASE_REPLICA_PIN_SECONDS must be a whole number of seconds (0 or more), not {_pin!r}.")
DATABASE_REPLICA_PIN_SECONDS = int(_pin)
if DATABASE_REPLICAS:
    DATABASE_ROUTERS = ["factcheck.db_router.ReplicaRouter"]
    MIDDLEWARE.insert(
        MIDDLEWARE.index("whitenoise.middleware.WhiteNoiseMiddleware") + 1, "factcheck.db_router.ReplicaPinMiddleware"
    )

REDIS_URL = os.environ.get("REDIS_URL", "")
if REDIS_URL:
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": REDIS_URL,
            "KEY_PREFIX": "factcheck",
        }
    }
else:
    # Per process: fine for one process; run several behind Redis (see factcheck/cache.py). A write leaves
    # the pages cached before it dead until culled: the entry cap bounds each worker's memory.
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache", "OPTIONS": {"MAX_ENTRIES": 1000}}}
# How long a cached page or API read may be kept; a write invalidates it at once (factcheck/cache.py).
PAGE_CACHE_SECONDS = int(os.environ.get("FACTCHECK_CACHE_SECONDS", "300"))

# Background work (README "Background work", background/): the django.tasks API. FACTCHECK_TASKS picks the
# backend: "db" (django-tasks-db, the default: `manage.py db_worker`), "rq" (RQ on Redis at REDIS_URL),
# "immediate" (run at once, in the request) or "dummy" (kept, never run: the test suite's default).
TASKS_BACKEND = os.environ.get("FACTCHECK_TASKS", "").strip().lower() or "db"
_TASK_BACKENDS = {
    "db": "django_tasks_db.DatabaseBackend",
    "rq": "django_tasks_rq.RQBackend",
    "immediate": "django_tasks.backends.immediate.ImmediateBackend",
    "dummy": "django_tasks.backends.dummy.DummyBackend",
}
if TASKS_BACKEND not in _TASK_BACKENDS:
    sys.exit(f"factcheck: FACTCHECK_TASKS is {TASKS_BACKEND!r}; set it to one of {', '.join(_TASK_BACKENDS)}.")
TASKS = {"default": {"BACKEND": _TASK_BACKENDS[TASKS_BACKEND]}}
RQ_QUEUES = {"default": {"URL": REDIS_URL or "redis://127.0.0.1:6379/0"}}

# The source archive (README "Sources and the watch"): a capture of every source when it is added or its URL
# changes, then re-checks of cited sources on a schedule. Intervals by the source's age; much-cited ones twice
# as often; a failing source is retried sooner, then less often.
CAPTURE_ON_SAVE = env_bool("FACTCHECK_CAPTURE_ON_SAVE", True)
WATCH_EVERY = timedelta(seconds=int(os.environ.get("FACTCHECK_WATCH_EVERY_SECONDS", "300")))
WATCH_BATCH = int(os.environ.get("FACTCHECK_WATCH_BATCH", "200"))
WATCH_LEASE = timedelta(hours=1)
WATCH_MUCH_CITED = 5
WATCH_INTERVALS = {
    "recent": timedelta(hours=6),  # published or added in the last 7 days
    "month": timedelta(days=1),  # in the last 90 days
    "old": timedelta(days=7),
    "failing": timedelta(hours=1),
}
# Also ask the Internet Archive's Save Page Now for a copy of each new source (off by default).
SAVE_PAGE_NOW = env_bool("FACTCHECK_SAVE_PAGE_NOW")
SAVE_PAGE_NOW_URL = os.environ.get("FACTCHECK_SAVE_PAGE_NOW_URL", "https://web.archive.org/save/")

# Following other factcheck sites (README "Following another newsroom", following/): how often their changes feeds
# are polled, how far a failing site's next poll moves back at most, how much one poll reads, and how alike (trigram
# similarity, 0 to 1) one of our claims must be to take another site's fact check without an editor.
FOLLOW_EVERY = timedelta(seconds=int(os.environ.get("FACTCHECK_FOLLOW_EVERY_SECONDS", "300")))
FOLLOW_MAX_BACKOFF = timedelta(hours=6)
FOLLOW_LEASE = timedelta(minutes=15)
FOLLOW_PAGE_SIZE = 50
FOLLOW_MAX_PAGES = int(os.environ.get("FACTCHECK_FOLLOW_MAX_PAGES", "10"))
FOLLOW_MATCH_SIMILARITY = float(os.environ.get("FACTCHECK_FOLLOW_MATCH_SIMILARITY", "0.6"))
FOLLOW_TIMEOUT = 15.0
FOLLOW_MAX_BYTES = 2 * 1024 * 1024

# Captured copies of sources (archive/): WARC files through Django's storage API, local files under MEDIA_ROOT
# by default, any S3-compatible store with FACTCHECK_CAPTURE_STORAGE=s3 (README "Sources and the watch").
MEDIA_ROOT = Path(os.environ.get("DJANGO_MEDIA_ROOT") or BASE_DIR / "media")
# Loopback addresses (127.0.0.0/8, ::1) may be fetched only with FACTCHECK_ALLOW_LOOPBACK=1: tests and local trials.
ALLOW_LOOPBACK = env_bool("FACTCHECK_ALLOW_LOOPBACK")
# Limits of one fetch (archive/fetch.py): the decoded body's size, the time to connect, the whole fetch's time
# (redirects and a slow body included) and the redirects followed.
CAPTURE_MAX_BYTES = int(os.environ.get("FACTCHECK_CAPTURE_MAX_BYTES", str(20 * 1024 * 1024)))
CAPTURE_CONNECT_TIMEOUT = float(os.environ.get("FACTCHECK_CAPTURE_CONNECT_TIMEOUT", "5"))
CAPTURE_TIMEOUT = float(os.environ.get("FACTCHECK_CAPTURE_TIMEOUT", "30"))
CAPTURE_MAX_REDIRECTS = int(os.environ.get("FACTCHECK_CAPTURE_MAX_REDIRECTS", "10"))
# A source that has failed to answer for this long counts as gone (archive/compare.py), not merely failed.
GONE_AFTER = timedelta(days=float(os.environ.get("FACTCHECK_GONE_AFTER_DAYS", "14")))

# Webhooks (README "Webhooks", webhooks/): the time one POST may take, how often the sweep looks for deliveries
# that are due (the safety net under the enqueued attempts), the longest Retry-After honoured, and how long every
# attempt to an endpoint may fail before it is turned off (the specification's five days).
WEBHOOKS_TIMEOUT = float(os.environ.get("FACTCHECK_WEBHOOKS_TIMEOUT", "15"))
WEBHOOKS_SWEEP_EVERY = timedelta(seconds=int(os.environ.get("FACTCHECK_WEBHOOKS_SWEEP_SECONDS", "60")))
WEBHOOKS_RETRY_AFTER_MAX = timedelta(hours=24)
WEBHOOKS_DISABLE_AFTER = timedelta(days=float(os.environ.get("FACTCHECK_WEBHOOKS_DISABLE_AFTER_DAYS", "5")))

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

LANGUAGE_CODE = "en-us"
TIME_ZONE = "UTC"
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = Path(os.environ.get("DJANGO_STATIC_ROOT") or BASE_DIR / "staticfiles")
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    # WARC files of captured sources: local files, or an S3-compatible store (README "Sources and the watch").
    "captures": {"BACKEND": "django.core.files.storage.FileSystemStorage", "OPTIONS": {"location": MEDIA_ROOT}}
    if os.environ.get("FACTCHECK_CAPTURE_STORAGE", "files").strip().lower() != "s3"
    else {
        "BACKEND": "storages.backends.s3.S3Storage",
        "OPTIONS": {
            "bucket_name": os.environ.get("FACTCHECK_CAPTURE_BUCKET", "factcheck-captures"),
            "endpoint_url": os.environ.get("FACTCHECK_CAPTURE_S3_ENDPOINT") or None,
            "default_acl": "private",
            "querystring_auth": True,
            "file_overwrite": False,
        },
    },
    "staticfiles": {
        # Hashed, compressed names in production (needs collectstatic); plain in debug and tests.
        "BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"
        if env_bool("DJANGO_MANIFEST_STATIC", not DEBUG)
        else "django.contrib.staticfiles.storage.StaticFilesStorage"
    },
}

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
LOGIN_URL = "admin:login"

# Admin lives here; change it to make the admin harder to find.
ADMIN_PATH = os.environ.get("DJANGO_ADMIN_PATH", "admin/").strip("/") + "/"

SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
if not DEBUG:
    SESSION_COOKIE_SECURE = env_bool("DJANGO_SECURE_COOKIES", True)
    CSRF_COOKIE_SECURE = env_bool("DJANGO_SECURE_COOKIES", True)
    SECURE_SSL_REDIRECT = env_bool("DJANGO_SECURE_SSL_REDIRECT", True)
    SECURE_REDIRECT_EXEMPT = [r"^healthz$"]  # load balancers probe over plain HTTP
    SECURE_HSTS_SECONDS = int(os.environ.get("DJANGO_HSTS_SECONDS", str(365 * 24 * 3600)))
    SECURE_HSTS_INCLUDE_SUBDOMAINS = SECURE_HSTS_SECONDS > 0
    SECURE_HSTS_PRELOAD = SECURE_HSTS_SECONDS > 0
    if env_bool("DJANGO_BEHIND_PROXY"):
        SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
CSRF_TRUSTED_ORIGINS = env_list("DJANGO_CSRF_TRUSTED_ORIGINS")

# Content Security Policy (factcheck/middleware.py): our own origin only, never inline script.
# Style attributes are allowed (the verdict chart's bar widths); <style> elements are not.
CSP_POLICY = {
    "default-src": ["'self'"],
    "script-src": ["'self'"],
    "style-src": ["'self'"],
    "style-src-attr": ["'unsafe-inline'"],
    "img-src": ["'self'", "data:"],
    "font-src": ["'self'"],
    "connect-src": ["'self'"],
    "object-src": ["'none'"],
    "base-uri": ["'none'"],
    "form-action": ["'self'"],
    "frame-ancestors": ["'none'"],
}
# The admin, the API docs (Swagger UI, ReDoc) and the browsable API's scripts (jQuery, prettify) add <style>
# elements; ReDoc runs a blob: worker. The first matching prefix applies.
CSP_PATH_POLICIES = {
    "/api/v1/docs/": {"style-src": ["'self'", "'unsafe-inline'"], "worker-src": ["'self'", "blob:"]},
    "/api/v1/redoc/": {"style-src": ["'self'", "'unsafe-inline'"], "worker-src": ["'self'", "blob:"]},
    "/api/v1/": {"style-src": ["'self'", "'unsafe-inline'"]},
    "/" + ADMIN_PATH: {"style-src": ["'self'", "'unsafe-inline'"]},
}
# drf-spectacular's Swagger UI page carries one fixed inline script: allowed by its hash only.
CSP_HASH_INLINE_SCRIPTS = ["/api/v1/docs/"]

# Admin login protection (django-axes): after AXES_FAILURE_LIMIT failed logins for one
# username from one IP address, that pair is locked out for the cool-off time.
AUTHENTICATION_BACKENDS = [
    "factcheck.auth_backends.LoginAttemptsBackend",
    "django.contrib.auth.backends.ModelBackend",
]
AXES_FAILURE_LIMIT = int(os.environ.get("AXES_FAILURE_LIMIT", "5"))
_AXES_COOLOFF_MINUTES = int(os.environ.get("AXES_COOLOFF_MINUTES", "15"))
AXES_COOLOFF_TIME = timedelta(minutes=_AXES_COOLOFF_MINUTES) if _AXES_COOLOFF_MINUTES > 0 else None  # 0: until reset
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
# A sign-in resets the failures only once complete: after the second factor when one is asked (twofactor.policy).
AXES_RESET_ON_SUCCESS = False
AXES_SENSITIVE_PARAMETERS = ["username", "ip_address", "otp_token"]  # never the codes in the attempts' record
AXES_HTTP_RESPONSE_CODE = 429
AXES_CLIENT_IP_CALLABLE = "factcheck.auth_backends.client_ip"
AXES_LOCKOUT_CALLABLE = "factcheck.auth_backends.lockout_response"

# Two-factor sign-in for staff (README "Two-factor sign-in", twofactor/): required of every staff account when
# on (the default unless DEBUG); when off, only staff who enrolled a device are asked for it.
REQUIRE_2FA = env_bool("FACTCHECK_REQUIRE_2FA", not DEBUG)
OTP_TOTP_ISSUER = SITE_NAME
OTP_ADMIN_HIDE_SENSITIVE_DATA = True
# Passkeys (django-otp-webauthn) belong to a domain name (the relying party), never an IP address: by default the
# site URL's host, or localhost when that is an IP (`make run`: open http://localhost:8000/ to use them).
_site = urlsplit(SITE_URL)
_site_host = _site.hostname or "localhost"
try:
    ipaddress.ip_address(_site_host)
    _site_host_is_ip = True
except ValueError:
    _site_host_is_ip = False
OTP_WEBAUTHN_RP_ID = os.environ.get("FACTCHECK_WEBAUTHN_RP_ID", "").strip() or (
    "localhost" if _site_host_is_ip else _site_host
)
OTP_WEBAUTHN_RP_NAME = SITE_NAME
_port = f":{_site.port}" if _site.port else ""
OTP_WEBAUTHN_ALLOWED_ORIGINS = env_list(
    "FACTCHECK_WEBAUTHN_ORIGINS",
    f"{_site.scheme}://{_site.netloc}"
    if _site.scheme == "https" or _site_host == "localhost"
    else f"http://{OTP_WEBAUTHN_RP_ID}{_port}",
)
OTP_WEBAUTHN_ALLOW_PASSWORDLESS_LOGIN = False  # a passkey is the second step, after the password

# API
API_MAX_PAGE_SIZE = 100
REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        # First: its WWW-Authenticate header makes a request without credentials a 401, not a 403.
        "apikeys.authentication.APIKeyAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.DjangoModelPermissionsOrAnonReadOnly"],
    # The browsable API without its inline <style>, which the CSP refuses (claims/api/renderers.py).
    "DEFAULT_RENDERER_CLASSES": [
        "claims.api.renderers.ApiJSONRenderer",
        "claims.api.renderers.ApiBrowsableRenderer",
    ],
    "DEFAULT_FILTER_BACKENDS": [
        "claims.filters.FilterBackend",
        "rest_framework.filters.OrderingFilter",
    ],
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "DEFAULT_THROTTLE_CLASSES": [
        "claims.api.throttling.AnonThrottle",
        "claims.api.throttling.UserThrottle",
        "claims.api.throttling.KeyThrottle",
    ],
    "EXCEPTION_HANDLER": "claims.api.exceptions.exception_handler",
    "TEST_REQUEST_DEFAULT_FORMAT": "json",
    "DEFAULT_THROTTLE_RATES": {
        "anon": os.environ.get("API_THROTTLE_ANON", "120/minute"),
        "user": os.environ.get("API_THROTTLE_USER", "1200/minute"),
        "key": os.environ.get("API_THROTTLE_KEY", "1200/minute"),  # per API key, in place of "user"
    },
}
SPECTACULAR_SETTINGS = {
    "TITLE": "factcheck API",
    "DESCRIPTION": "Claims, sources, statements, speakers and evidence of a fact-checking newsroom.\n\n"
    f"Where to start (keys, feeds, webhooks, the verdict scale): [{SITE_URL}/api/]({SITE_URL}/api/)\n\n"
    "Authentication: an API key, `Authorization: Api-Key <key>` (see the `ApiKey` security scheme for scopes "
    "and errors). Limits: anonymous clients may make {anon} requests, signed-in users {user}, each API key {key} "
    "(429 with Retry-After beyond); pages hold at most {max_page} items (`page_size`). Every object carries an "
    "ETag: send it in If-None-Match (304) and If-Match (412 when stale). Errors share one shape: see the `Error` "
    "schema.".format(
        anon=REST_FRAMEWORK["DEFAULT_THROTTLE_RATES"]["anon"],
        user=REST_FRAMEWORK["DEFAULT_THROTTLE_RATES"]["user"],
        key=REST_FRAMEWORK["DEFAULT_THROTTLE_RATES"]["key"],
        max_page=API_MAX_PAGE_SIZE,
    ),
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    # No badge from validator.swagger.io (Swagger UI shows it on any host but localhost).
    "SWAGGER_UI_SETTINGS": {"deepLinking": True, "validatorUrl": "none"},
    "REDOC_DIST": "SIDECAR",
    "COMPONENT_SPLIT_REQUEST": True,
    "ENUM_NAME_OVERRIDES": {
        "VerdictEnum": "claims.models.Verdict",
        "RatingEnum": "claims.api.serializers.RATING_CHOICES",  # the verdicts a reviewer can give
        "SpeakerKindEnum": "claims.models.Speaker.Kind",
        "SourceKindEnum": "claims.models.Source.Kind",
        "VerdictChangeKindEnum": "claims.models.VerdictChange.Kind",
        "PublicNoteKindEnum": "claims.models.PublicNote.Kind",
        "PublicChangeTypeEnum": "claims.models.PublicChange.Kind",
        "CaptureChangeEnum": "archive.models.Change",
        "CaptureStateEnum": "archive.models.Capture.State",
        "CaptureReasonEnum": "archive.models.Capture.Reason",
    },
    "SCHEMA_PATH_PREFIX": "/api/v1",
    "POSTPROCESSING_HOOKS": [
        "drf_spectacular.hooks.postprocess_schema_enums",
        "claims.api.schema.add_error_responses",
        "claims.api.schema.describe_tags",
    ],
}

# Anyone may read the public API from a browser; nothing else crosses origins.
CORS_URLS_REGEX = r"^/api/v1/.*$"
CORS_ALLOW_ALL_ORIGINS = True
CORS_ALLOW_METHODS = ["GET", "HEAD", "OPTIONS"]
CORS_ALLOW_CREDENTIALS = False

SIMPLE_HISTORY_HISTORY_CHANGE_REASON_USE_TEXT_FIELD = True

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": os.environ.get("DJANGO_LOG_LEVEL", "WARNING")},
}
