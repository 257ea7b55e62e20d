"""Settings for Linli, read from the environment.

Every value that differs between a laptop and a district's servers comes from an environment variable;
see the settings table in docs/deploy.md. Secrets that are not given are generated once into ``var/``.
"""

import json
import os
from datetime import timedelta
from pathlib import Path

import dj_database_url
from django.core.exceptions import ImproperlyConfigured

from linli.demo_guard import allowed_hosts_from, demo_refusal
from linli.keys import load_or_create_secret

BASE_DIR = Path(__file__).resolve().parent.parent
VAR_DIR = Path(os.environ.get("LINLI_VAR_DIR", BASE_DIR / "var"))
VAR_DIR.mkdir(parents=True, exist_ok=True)


def env_bool(name: str, default: bool = False) -> bool:
    value = os.environ.get(name)
    if value is None:
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def linli_apps(root: Path) -> list[str]:
    """Linli's own apps, found on disk (every ``linli/<app>/apps.py``) so a new module needs no edit here.

    The platform first (core, housing, people), then the domain modules by name, then the import/export ledger
    (dataio) and privacy, whose pages join the 数据 and 区域与审计 menu groups after the ledger's. This order is
    that of menus and URL roots only; the import layers (pyproject.toml) put privacy below the domain modules.
    """
    found = sorted(p.parent.name for p in root.glob("*/apps.py"))
    first = [a for a in ("core", "housing", "people") if a in found]
    last = [a for a in ("dataio", "privacy") if a in found]
    return [f"linli.{a}" for a in first + [a for a in found if a not in first + last] + last]


DEBUG = env_bool("LINLI_DEBUG")
TESTING = env_bool("LINLI_TESTING")
# Behind TLS in production: secure cookies, HSTS, redirect. Off for `make run` on plain http://127.0.0.1.
HTTPS = env_bool("LINLI_HTTPS")
# Demo mode relaxes exactly one thing: demo staff accounts flagged otp_exempt may skip TOTP.
DEMO_MODE = env_bool("LINLI_DEMO")

SECRET_KEY = os.environ.get("LINLI_SECRET_KEY") or load_or_create_secret(VAR_DIR / "secret_key", 50)
ALLOWED_HOSTS = allowed_hosts_from(os.environ)
if DEMO_MODE and (_refusal := demo_refusal(https=HTTPS, allowed_hosts=ALLOWED_HOSTS)):
    raise ImproperlyConfigured(_refusal)
CSRF_TRUSTED_ORIGINS = [o for o in os.environ.get("LINLI_CSRF_TRUSTED_ORIGINS", "").split(",") if o]
# How many reverse proxies in front of the app append to X-Forwarded-For. 0: the header is ignored and the
# client is REMOTE_ADDR. N: the client is the N-th entry from the right (the entries left of it are the
# client's own, forgeable). Audit rows, django-axes and DRF's throttles all count the same way.
LINLI_TRUSTED_PROXIES = int(os.environ.get("LINLI_TRUSTED_PROXIES", "0"))

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "rest_framework",
    "knox",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "django_filters",
    "treebeard",
    "django_htmx",
    "template_partials",
    "axes",
    "django_otp",
    "django_otp.plugins.otp_totp",
    "csp",
    "huey.contrib.djhuey",
    *linli_apps(BASE_DIR / "linli"),
]
if TESTING:
    # A throwaway module with an encrypted column: proves key rotation finds it without editing any list.
    INSTALLED_APPS.append("tests.moduleapp")

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django_otp.middleware.OTPMiddleware",
    "linli.core.middleware.SessionPolicyMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "linli.core.middleware.ContentSecurityPolicyMiddleware",  # django-csp, the header built once
    "linli.core.middleware.RejectNulMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "linli.core.middleware.RequestContextMiddleware",
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "linli.urls"
WSGI_APPLICATION = "linli.wsgi.application"

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
                "linli.core.context_processors.shell",
            ],
        },
    }
]

# --- database -----------------------------------------------------------------------------------
DATABASE_URL = os.environ.get("DATABASE_URL") or f"sqlite:///{VAR_DIR / 'linli.sqlite3'}"
DATABASES = {"default": dj_database_url.parse(DATABASE_URL, conn_max_age=60, conn_health_checks=True)}
if DATABASES["default"]["ENGINE"].endswith("sqlite3"):
    DATABASES["default"]["OPTIONS"] = {
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; PRAGMA busy_timeout=5000;",
        "transaction_mode": "IMMEDIATE",
    }
    DATABASES["default"]["CONN_MAX_AGE"] = 0
    # Covering indexes (INCLUDE) exist for PostgreSQL; SQLite builds the plain index and needs no warning.
    SILENCED_SYSTEM_CHECKS = ["models.W040"]
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# --- read replica (issue 10) --------------------------------------------------------------------------------
# DATABASE_REPLICA_URL: a PostgreSQL streaming replica of DATABASE_URL. Lists, the search box and statistics read
# from it inside linli.core.replica.reading() blocks; everything else, every write, and the reads of a user who
# wrote in the last LINLI_REPLICA_STICKY_SECONDS go to default (docs/deploy.md, "Read replica"). In tests the
# replica mirrors the test database (Django creates none on it: streaming replication brings it over).
DATABASE_REPLICA_URL = os.environ.get("DATABASE_REPLICA_URL", "").strip()
if DATABASE_REPLICA_URL:
    DATABASES["replica"] = dj_database_url.parse(DATABASE_REPLICA_URL, conn_max_age=60, conn_health_checks=True)
    DATABASES["replica"]["TEST"] = {"MIRROR": "default"}
DATABASE_ROUTERS = ["linli.core.dbrouter.ReplicaRouter"]
LINLI_REPLICA_STICKY_SECONDS = int(os.environ.get("LINLI_REPLICA_STICKY_SECONDS", "10"))
MIDDLEWARE.append("linli.core.replica.ReadYourWritesMiddleware")  # after authentication: it needs request.user
# --- end read replica ---------------------------------------------------------------------------------------

# --- cache and jobs -------------------------------------------------------------------------------
REDIS_URL = os.environ.get("REDIS_URL", "")
if REDIS_URL:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": REDIS_URL}}
else:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}

# huey's name prefixes its Redis keys (queue, schedule, periodic-slot claims): installations that share one Redis
# database need different names. Periodic tasks run once per slot however many consumers run (linli/core/jobs.py).
HUEY_NAME = os.environ.get("LINLI_HUEY_NAME", "linli")
if REDIS_URL:
    HUEY = {"huey_class": "huey.RedisHuey", "name": HUEY_NAME, "url": REDIS_URL, "immediate": TESTING}
else:
    HUEY = {
        "huey_class": "huey.SqliteHuey",
        "name": HUEY_NAME,
        "filename": str(VAR_DIR / "huey.sqlite3"),
        "immediate": TESTING,
    }
# A periodic probe task (linli/core/tasks.py, every minute) that records each scheduler check and each run in Redis:
# the two-consumer test turns it on in the consumers it starts. Off everywhere else.
LINLI_JOBS_PROBE = env_bool("LINLI_JOBS_PROBE")

# The big screen's live stream (linli/dashboard/stream.py, an asyncio process that linli.serve starts next to
# gunicorn): the base URL the browser opens for it, or empty for the page's own host at LINLI_STREAM_PORT.
LINLI_STREAM_URL = os.environ.get("LINLI_STREAM_URL", "").strip().rstrip("/")
LINLI_STREAM_PORT = int(os.environ.get("LINLI_STREAM_PORT", "0") or 0)

# --- authentication -------------------------------------------------------------------------------
AUTH_USER_MODEL = "core.User"
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "linli.core.auth.UsernameOrPhoneBackend",
]
LOGIN_URL = "core:login"
LOGIN_REDIRECT_URL = "core:home"
LOGOUT_REDIRECT_URL = "core:login"
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "linli.core.auth.MinimumLengthValidator", "OPTIONS": {"min_length": 8}},
    {"NAME": "linli.core.auth.StaffPasswordLengthValidator", "OPTIONS": {"min_length": 12}},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
PASSWORD_HASHERS = ["django.contrib.auth.hashers.PBKDF2PasswordHasher"]
if TESTING:
    PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]

# django-axes: lock an account after 5 failures from anywhere, and an address after 30 failures over any
# names, for 15 minutes, never forever; answer the same way whether or not the account exists. Failures
# count on the account's identity (linli.core.auth.login_identity), not on how the name was typed.
AXES_FAILURE_LIMIT = int(os.environ.get("LINLI_LOGIN_FAILURE_LIMIT", "5"))
LOGIN_ADDRESS_FAILURE_LIMIT = int(os.environ.get("LINLI_LOGIN_ADDRESS_FAILURE_LIMIT", "30"))
AXES_COOLOFF_TIME = timedelta(minutes=int(os.environ.get("LINLI_LOGIN_COOLOFF_MINUTES", "15")))
AXES_LOCKOUT_PARAMETERS = ["username", "ip_address"]
AXES_USERNAME_CALLABLE = "linli.core.auth.login_identity"
AXES_HANDLER = "linli.core.auth.LoginAttemptHandler"
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_CALLABLE = "linli.core.auth.lockout_response"
AXES_USERNAME_FORM_FIELD = "username"
AXES_ENABLE_ACCESS_FAILURE_LOG = True
AXES_VERBOSE = False
AXES_CLIENT_IP_CALLABLE = "linli.core.http.client_ip"

# Sessions: absolute 12 hours for everyone, idle 30 minutes for staff (SessionPolicyMiddleware).
SESSION_COOKIE_AGE = 12 * 3600
STAFF_IDLE_TIMEOUT = timedelta(minutes=int(os.environ.get("LINLI_STAFF_IDLE_MINUTES", "30")))
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
CSRF_COOKIE_HTTPONLY = True
CSRF_COOKIE_SAMESITE = "Lax"
CSRF_FAILURE_VIEW = "linli.core.views.errors.csrf_failure"
SESSION_COOKIE_SECURE = HTTPS
CSRF_COOKIE_SECURE = HTTPS
SECURE_SSL_REDIRECT = HTTPS
SECURE_HSTS_SECONDS = 31536000 if HTTPS else 0
SECURE_HSTS_INCLUDE_SUBDOMAINS = HTTPS
SECURE_HSTS_PRELOAD = HTTPS
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https") if HTTPS else None
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"

OTP_TOTP_ISSUER = "Linli 邻里"
# The admin never shows a device's secret (key, QR code, config page): it would clone the second factor silently.
OTP_ADMIN_HIDE_SENSITIVE_DATA = True

# --- maps -------------------------------------------------------------------------------------------
# The base layer of every map. "none" (default): no tile server; the map is drawn from the platform's own geometry
# (compound outlines, building footprints and numbers). "tianditu": 天地图 vector tiles (Web Mercator on CGCS2000,
# which matches WGS-84 to centimetres) with LINLI_TIANDITU_KEY. "amap": 高德 tiles, drawn in GCJ-02: the browser
# shifts our WGS-84 shapes onto them and shifts taps back (static/linli/geo.js). "custom": an intranet tile server,
# LINLI_MAP_TILE_URL (a Leaflet URL template) in LINLI_MAP_TILE_CRS (wgs84 or gcj02). Coordinates are stored in
# WGS-84 whatever the tiles are.
MAP_TILES = os.environ.get("LINLI_MAP_TILES", "none").strip().lower() or "none"
MAP_TIANDITU_KEY = os.environ.get("LINLI_TIANDITU_KEY", "").strip()
MAP_TILE_URL = os.environ.get("LINLI_MAP_TILE_URL", "").strip()
MAP_TILE_CRS = os.environ.get("LINLI_MAP_TILE_CRS", "wgs84").strip().lower()
MAP_TILE_HOSTS = {
    "tianditu": ["https://*.tianditu.gov.cn"],
    "amap": ["https://*.is.autonavi.com"],
}
if MAP_TILES == "custom" and MAP_TILE_URL:
    from urllib.parse import urlsplit

    _tiles = urlsplit(MAP_TILE_URL)
    MAP_TILE_HOSTS["custom"] = [f"{_tiles.scheme}://{_tiles.netloc.replace('{s}', '*')}"] if _tiles.netloc else []

CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "script-src": ["'self'"],
        # Tabler, Leaflet and ECharts set element styles from JavaScript.
        "style-src": ["'self'", "'unsafe-inline'"],
        "img-src": ["'self'", "data:", "blob:", *MAP_TILE_HOSTS.get(MAP_TILES, [])],
        "font-src": ["'self'", "data:"],
        "connect-src": ["'self'"],
        "frame-ancestors": ["'none'"],
        "form-action": ["'self'"],
        "base-uri": ["'self'"],
        "object-src": ["'none'"],
    }
}

# --- language and time ------------------------------------------------------------------------------
LANGUAGE_CODE = "zh-hans"
LANGUAGES = [("zh-hans", "简体中文"), ("en", "English")]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = "Asia/Shanghai"
USE_I18N = True
USE_TZ = True
FORMAT_MODULE_PATH = ["linli.formats"]  # zh-hans dates as 2026-12-06 15:04 (linli/formats/zh_Hans)

# --- files ------------------------------------------------------------------------------------------
STATIC_URL = "/static/"
STATICFILES_DIRS = [BASE_DIR / "static"]
STATIC_ROOT = VAR_DIR / "staticfiles"
STATIC_ROOT.mkdir(exist_ok=True)
MEDIA_URL = "/media/"  # never served as such: photos and files go out only through views that check the reader
MEDIA_ROOT = VAR_DIR / "media"
FILE_UPLOAD_PERMISSIONS = 0o600
FILE_UPLOAD_DIRECTORY_PERMISSIONS = 0o700
# Photos, uploaded ledgers, problem-rows files and exports (linli.core.attachments): a folder under var/media by
# default; LINLI_STORAGE=s3 keeps them in an S3-compatible bucket (AWS S3, MinIO, OSS, COS…), so web processes
# keep nothing on their own disk. Needs `pip install boto3` (the "s3" extra).
LINLI_STORAGE = os.environ.get("LINLI_STORAGE", "local").strip().lower()
if LINLI_STORAGE not in ("local", "s3"):
    raise ImproperlyConfigured("LINLI_STORAGE must be 'local' or 's3'")
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedStaticFilesStorage"},
}
if LINLI_STORAGE == "s3":
    STORAGES["default"] = {
        "BACKEND": "storages.backends.s3.S3Storage",
        "OPTIONS": {
            "bucket_name": os.environ.get("AWS_STORAGE_BUCKET_NAME", ""),
            "endpoint_url": os.environ.get("AWS_S3_ENDPOINT_URL") or None,
            "region_name": os.environ.get("AWS_S3_REGION_NAME") or None,
            "access_key": os.environ.get("AWS_ACCESS_KEY_ID") or None,
            "secret_key": os.environ.get("AWS_SECRET_ACCESS_KEY") or None,
            "location": os.environ.get("AWS_LOCATION", ""),  # a folder inside the bucket
            "default_acl": "private",
            "querystring_auth": True,
            "file_overwrite": False,  # a taken key gets a new name, as on the local disk
            "addressing_style": os.environ.get("AWS_S3_ADDRESSING_STYLE") or None,  # "path" for MinIO
        },
    }
    if not STORAGES["default"]["OPTIONS"]["bucket_name"]:
        raise ImproperlyConfigured("LINLI_STORAGE=s3 needs AWS_STORAGE_BUCKET_NAME")
if TESTING or DEBUG:
    STORAGES["staticfiles"] = {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"}
WHITENOISE_USE_FINDERS = True

# --- API ----------------------------------------------------------------------------------------------
REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "linli.core.api.authentication.TokenAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["linli.core.api.permissions.ScopedPermission"],
    "DEFAULT_FILTER_BACKENDS": ["django_filters.rest_framework.DjangoFilterBackend"],
    "DEFAULT_PAGINATION_CLASS": "linli.core.api.pagination.Pagination",
    "PAGE_SIZE": 50,
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "EXCEPTION_HANDLER": "linli.core.api.exceptions.exception_handler",
    "DEFAULT_THROTTLE_RATES": {"login": "10/min"},
    "NUM_PROXIES": LINLI_TRUSTED_PROXIES,
}
# API tokens (django-rest-knox): only a SHA-512 digest is stored; each token expires. Staff tokens are short
# (a working day), residents' longer (the resident app stays signed in). Changing the password or the TOTP
# device revokes them all; owners list and revoke theirs at /api/v1/auth/tokens and on 账号安全.
REST_KNOX = {"TOKEN_TTL": timedelta(hours=8), "AUTO_REFRESH": False, "AUTH_HEADER_PREFIX": "Token"}
API_TOKEN_TTL_STAFF = timedelta(hours=int(os.environ.get("LINLI_API_TOKEN_STAFF_HOURS", "8")))
API_TOKEN_TTL_RESIDENT = timedelta(days=int(os.environ.get("LINLI_API_TOKEN_RESIDENT_DAYS", "30")))
API_TOKEN_LIMIT_PER_USER = 20

SPECTACULAR_SETTINGS = {
    "TITLE": "Linli 邻里 API",
    "DESCRIPTION": "智慧社区治理平台接口：范围受控、可筛选、分页。Authorization: Token <token>",
    "VERSION": "1",
    "SERVE_INCLUDE_SCHEMA": False,
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    "COMPONENT_SPLIT_REQUEST": True,
    "ENUM_NAME_OVERRIDES": {
        "ResidencyKindEnum": "linli.people.models.Residency.Kind",
        "EntityKindEnum": "linli.people.models.Entity.Kind",
        "PlaceKindEnum": "linli.people.models.Place.Kind",
        "OrganisationKindEnum": "linli.core.models.Organisation.Kind",
        "EventStatusEnum": "linli.events.models.EventStatus",
    },
}

# --- Open311 -------------------------------------------------------------------------------------------
# What the public Open311 feed shows of a resident's own words: "reviewed" (default) publishes a description only
# after a staff member has reviewed its redacted text on the console; "redacted" publishes the automatically
# redacted text at once. ID numbers, phones and plates are masked in every public field either way.
OPEN311_PUBLISH = os.environ.get("LINLI_OPEN311_PUBLISH", "reviewed").strip().lower()
if OPEN311_PUBLISH not in ("reviewed", "redacted"):
    raise ValueError("LINLI_OPEN311_PUBLISH must be reviewed or redacted")
# Per client address (DRF rate syntax: N/s, N/min, N/hour, N/day). "bad_key": wrong api_key values before every
# POST from that address answers 429 until the window passes.
# The test suite sends every request from one address; the throttle tests set their own low rates.
OPEN311_RATES = {
    "read": os.environ.get("LINLI_OPEN311_READ_RATE", "100000/min" if TESTING else "120/min"),
    "write": os.environ.get("LINLI_OPEN311_WRITE_RATE", "100000/min" if TESTING else "30/min"),
    "bad_key": os.environ.get("LINLI_OPEN311_BAD_KEY_RATE", "100000/hour" if TESTING else "10/hour"),
}

# --- events ---------------------------------------------------------------------------------------------
# Working hours of the working calendar (linli.core.calendar): "09:00-12:00,13:00-18:00" (8 hours a day).
WORK_PERIODS = tuple(
    tuple(part.strip() for part in period.split("-"))
    for period in os.environ.get("LINLI_WORK_PERIODS", "09:00-12:00,13:00-18:00").split(",")
    if period.strip()
)
# 预警 at this share of an event's working time (0.8: at 80 %).
EVENTS_WARN_RATIO = float(os.environ.get("LINLI_EVENTS_WARN_RATIO", "0.8"))
# Days after 核查 without a rating before 默认满意 (and closing).
EVENTS_RATING_DAYS = int(os.environ.get("LINLI_EVENTS_RATING_DAYS", "7"))
# Where status changes of 12345 cases go back: "local" (an OutboundMessage row) or a dotted path to a backend class.
EVENTS_HOTLINE_BACKEND = os.environ.get("LINLI_EVENTS_HOTLINE_BACKEND", "local").strip() or "local"
# Open311 GeoReport: the jurisdiction_id accepted, and the contact shown in the service discovery.
OPEN311_JURISDICTION = os.environ.get("LINLI_OPEN311_JURISDICTION", "linli").strip() or "linli"
OPEN311_CONTACT = os.environ.get("LINLI_OPEN311_CONTACT", "彩虹社区服务中心").strip() or "彩虹社区服务中心"

# --- messages (SMS, WeChat subscription messages) ---------------------------------------------------------
# The backend of linli.core.notifications: "log" (default: an OutboundMessage row, nothing leaves the machine) or
# the dotted path of a backend class (an operator's SMS gateway). The gateway's own settings come from here too:
# SMS_GATEWAY is handed to the backend (URL, account, key, the 短信签名 and the template IDs as JSON).
MESSAGE_BACKEND = os.environ.get("LINLI_MESSAGE_BACKEND", "log").strip() or "log"
SMS_GATEWAY = {
    "url": os.environ.get("LINLI_SMS_URL", "").strip(),
    "account": os.environ.get("LINLI_SMS_ACCOUNT", "").strip(),
    "key": os.environ.get("LINLI_SMS_KEY", "").strip(),
    "sign": os.environ.get("LINLI_SMS_SIGN", "").strip(),
    "templates": json.loads(os.environ.get("LINLI_SMS_TEMPLATES", "") or "{}"),
}

# --- personal data -------------------------------------------------------------------------------------
# Field-encryption keys (AES-256-GCM) and the blind-index key; generated into var/keys.json when not given.
LINLI_KEYS_FILE = VAR_DIR / "keys.json"
DEMO_PASSWORD = os.environ.get("LINLI_DEMO_PASSWORD", "linli-demo")

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain"}},
    "root": {"handlers": ["console"], "level": os.environ.get("LINLI_LOG_LEVEL", "WARNING")},
    # run_huey attaches its own handler to the "huey" logger: do not print every line twice.
    "loggers": {"axes": {"level": "WARNING"}, "huey": {"level": "INFO", "propagate": False}},
}
FILTERS_EMPTY_CHOICE_LABEL = "全部"

# Lookups by a full ID number or phone (search box, API): per user and window, audited (docs/security.md).
LINLI_EXACT_SEARCH_LIMIT = int(os.environ.get("LINLI_EXACT_SEARCH_LIMIT", "20"))
LINLI_EXACT_SEARCH_WINDOW = int(os.environ.get("LINLI_EXACT_SEARCH_WINDOW", "600"))
