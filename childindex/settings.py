"""Django settings for Child Index.

One settings file, driven by environment variables (listed in .env.example).
Defaults are safe for development on a single machine; production sets
SECRET_KEY, ALLOWED_HOSTS, HTTPS=true and DATABASE_URL. A malformed value
raises ImproperlyConfigured at start-up rather than running half-configured.
"""

import datetime
import os
import re
from pathlib import Path

import dj_database_url
from csp.constants import NONE, SELF
from django.core.exceptions import ImproperlyConfigured

BASE_DIR = Path(__file__).resolve().parent.parent


def env_bool(name: str, default: bool) -> bool:
    raw = os.environ.get(name)
    if raw is None or raw == "":
        return default
    value = raw.strip().lower()
    if value in {"1", "true", "yes", "on"}:
        return True
    if value in {"0", "false", "no", "off"}:
        return False
    raise ImproperlyConfigured(f"{name} must be true or false, not {raw!r}")


def env_int(name: str, default: int) -> int:
    raw = os.environ.get(name)
    if raw is None or raw == "":
        return default
    try:
        return int(raw)
    except ValueError as exc:
        raise ImproperlyConfigured(f"{name} must be a whole number, not {raw!r}") from exc


_RATE = re.compile(r"^[1-9][0-9]*/[0-9]*[smhd]$")


def env_rate(name: str, default: str) -> str:
    """A django-ratelimit rate such as "60/m" (60 a minute) or "100/5m" (100 in 5 minutes)."""
    raw = os.environ.get(name) or default
    if not _RATE.match(raw.strip()):
        raise ImproperlyConfigured(f"{name} must look like 60/m (count/period), not {raw!r}")
    return raw.strip()


def env_list(name: str, default: list[str]) -> list[str]:
    raw = os.environ.get(name)
    if raw is None or raw == "":
        return default
    return [item.strip() for item in raw.split(",") if item.strip()]


DEBUG = env_bool("DEBUG", False)
# Demo mode enables the printed demo logins and the demo TOTP helper. Never in production.
DEMO_MODE = env_bool("DEMO_MODE", False)
HTTPS = env_bool("HTTPS", False)

# A development-only key: refused when HTTPS=true (production), see below.
_DEV_SECRET = "dev-only-insecure-secret-key-change-me-0123456789-abcdefghijklmnopqrstuvwxyz"  # noqa: S105  # nosec B105
SECRET_KEY = os.environ.get("SECRET_KEY", "")
if not SECRET_KEY:
    if HTTPS:
        raise ImproperlyConfigured("SECRET_KEY must be set when HTTPS=true (production).")
    SECRET_KEY = _DEV_SECRET
elif len(SECRET_KEY) < 50:
    raise ImproperlyConfigured("SECRET_KEY must be at least 50 random characters.")
# Rotation (docs/operations.md): the previous keys, comma-separated, still verify signed
# sessions, password-reset links and hashed backup and activation codes until removed.
SECRET_KEY_FALLBACKS = env_list("SECRET_KEY_FALLBACKS", [])
if any(len(key) < 50 for key in SECRET_KEY_FALLBACKS):
    raise ImproperlyConfigured("Each SECRET_KEY_FALLBACKS key must be at least 50 characters.")

ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", ["127.0.0.1", "localhost", "[::1]"])
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS", [])

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.postgres",
    "django_otp",
    "django_otp.plugins.otp_totp",
    "axes",
    "django_otp_webauthn",
    "csp",
    "django_ratelimit",
    "auditlog",
    "audit",
    "accounts",
    "records",
    "involvements",
    "caf",
    "lookups",
    "notifications",
    "feeds",
    "reports",
    "rest_framework",
    "drf_spectacular",
    "demo",
]

# The header middleware sits outside whitenoise so static files carry the headers too;
# NoStoreMiddleware sits outside sessions and the sign-in middleware so their redirects
# and refusals are never cached either.
MIDDLEWARE = [
    "audit.middleware.RequestIdMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "csp.middleware.CSPMiddleware",
    "childindex.middleware.PermissionsPolicyMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "accounts.middleware.NoStoreMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django_otp.middleware.OTPMiddleware",
    "accounts.middleware.RequireSecondFactorMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "auditlog.middleware.AuditlogMiddleware",
    "axes.middleware.AxesMiddleware",
]

AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]

ROOT_URLCONF = "childindex.urls"
WSGI_APPLICATION = "childindex.wsgi.application"

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
                "accounts.context_processors.service",
                "records.context_processors.navigation",
                "audit.context_processors.navigation",
                "lookups.context_processors.mediation",
                "notifications.context_processors.unread",
            ],
        },
    },
]

_DEFAULT_DATABASE_URL = "postgresql://postgres@127.0.0.1:5432/childindex"


def env_database(name: str, default: str) -> dict:
    """A PostgreSQL connection from a database URL in the environment variable ``name``."""
    try:
        database = dj_database_url.parse(
            os.environ.get(name) or default,
            conn_max_age=env_int("DB_CONN_MAX_AGE", 60),
            conn_health_checks=True,
        )
    except ValueError as exc:
        raise ImproperlyConfigured(f"{name} is not a valid database URL: {exc}") from exc
    if database["ENGINE"] != "django.db.backends.postgresql":
        raise ImproperlyConfigured(
            f"Child Index runs on PostgreSQL only: {name} must be postgresql://"
        )
    database.setdefault("OPTIONS", {})
    database["OPTIONS"].setdefault("connect_timeout", 5)
    return database


def database_role(database: dict) -> str:
    """The role a connection acts as: its SET ROLE (``?assume_role=``) or its user."""
    return database["OPTIONS"].get("assume_role") or database["USER"]


# The application serves as DATABASE_URL's role. DATABASE_OWNER_URL names the role that owns
# the schema: `migrate` connects as it (to DATABASE_URL's database, whatever database the
# owner's URL names), then grants the serving role only what the application needs
# (audit/privileges.py; docs/operations.md "Database roles"). Unset, one role does both,
# except that the private cluster's serving role (bin/devdb url) implies its owner.
DATABASES = {"default": env_database("DATABASE_URL", _DEFAULT_DATABASE_URL)}
DATABASES["default"]["TEST"] = {"NAME": os.environ.get("TEST_DATABASE_NAME", "test_childindex")}
# A second connection to the same database, used only to record denied requests:
# its events commit on their own, so they survive the rollback of the request.
DATABASES["audit"] = {**DATABASES["default"], "OPTIONS": {**DATABASES["default"]["OPTIONS"]}}
DATABASE_SERVING_ROLE = database_role(DATABASES["default"])
if os.environ.get("DATABASE_OWNER_URL"):
    DATABASE_OWNER: dict | None = env_database("DATABASE_OWNER_URL", "")
elif DATABASES["default"]["OPTIONS"].get("host") == str(BASE_DIR / "var" / "run") and (
    DATABASE_SERVING_ROLE == "childindex_app"
):
    DATABASE_OWNER = {
        **DATABASES["default"],
        "USER": "childindex_owner",
        "OPTIONS": {**DATABASES["default"]["OPTIONS"]},
    }
else:
    DATABASE_OWNER = None
if DATABASE_OWNER is not None:
    if not DATABASE_SERVING_ROLE:
        raise ImproperlyConfigured("DATABASE_URL must name its role when DATABASE_OWNER_URL is set")
    DATABASE_OWNER["NAME"] = DATABASES["default"]["NAME"]
    if database_role(DATABASE_OWNER) == DATABASE_SERVING_ROLE:
        DATABASE_OWNER = None

AUTH_USER_MODEL = "accounts.User"
LOGIN_URL = "accounts:login"
LOGIN_REDIRECT_URL = "records:search"

PASSWORD_HASHERS = [
    "django.contrib.auth.hashers.Argon2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
]
AUTH_PASSWORD_VALIDATORS = [
    {
        "NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator",
        "OPTIONS": {"user_attributes": ("username", "first_name", "last_name", "email")},
    },
    {
        "NAME": "django.contrib.auth.password_validation.MinimumLengthValidator",
        "OPTIONS": {"min_length": 12},
    },
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "accounts.passwords.MaximumLengthValidator"},
    {"NAME": "accounts.passwords.ContextWordsValidator"},
]

SESSION_ENGINE = "django.contrib.sessions.backends.db"
# Idle timeout: the session expires 15 minutes after the last request.
SESSION_COOKIE_AGE = env_int("SESSION_IDLE_SECONDS", 15 * 60)
SESSION_SAVE_EVERY_REQUEST = True
SESSION_EXPIRE_AT_BROWSER_CLOSE = True
# Absolute timeout, enforced by accounts.middleware whatever the activity.
SESSION_ABSOLUTE_SECONDS = env_int("SESSION_ABSOLUTE_SECONDS", 12 * 60 * 60)
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Strict"
CSRF_COOKIE_HTTPONLY = True
CSRF_COOKIE_SAMESITE = "Strict"
SESSION_COOKIE_SECURE = HTTPS
CSRF_COOKIE_SECURE = HTTPS
if HTTPS:
    SESSION_COOKIE_NAME = "__Host-sessionid"
    CSRF_COOKIE_NAME = "__Host-csrftoken"
SECURE_SSL_REDIRECT = HTTPS
# Load balancers and orchestrators probe health over plain HTTP inside the network.
SECURE_REDIRECT_EXEMPT = [r"^healthz$", r"^readyz$", r"^health/(live|ready)$"]
SECURE_HSTS_SECONDS = 31536000 if HTTPS else 0
SECURE_HSTS_INCLUDE_SUBDOMAINS = HTTPS
SECURE_HSTS_PRELOAD = HTTPS and env_bool("HSTS_PRELOAD", True)
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
# No inline script or style anywhere: every page's JavaScript and CSS are static files.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [SELF],
        "script-src": [SELF],
        "style-src": [SELF],
        "img-src": [SELF, "data:"],
        "font-src": [SELF],
        "connect-src": [SELF],
        "form-action": [SELF],
        "frame-ancestors": [NONE],
        "base-uri": [NONE],
        "object-src": [NONE],
    }
}
# Browser features the service never uses are switched off; security keys and passkeys
# (WebAuthn) stay allowed for this origin only (childindex.middleware).
PERMISSIONS_POLICY = {
    "accelerometer": "()",
    "camera": "()",
    "display-capture": "()",
    "geolocation": "()",
    "gyroscope": "()",
    "magnetometer": "()",
    "microphone": "()",
    "midi": "()",
    "payment": "()",
    "usb": "()",
    "publickey-credentials-create": "(self)",
    "publickey-credentials-get": "(self)",
}
if env_bool("TRUST_X_FORWARDED_PROTO", False):
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
# The client IP comes from this header only when the service runs behind a trusted proxy.
CLIENT_IP_HEADER = os.environ.get("CLIENT_IP_HEADER", "")

OTP_TOTP_ISSUER = "Child Index"
# Security keys and passkeys: a second factor only, never a password replacement.
OTP_WEBAUTHN_ALLOW_PASSWORDLESS_LOGIN = False
OTP_WEBAUTHN_RP_NAME = "Child Index"
OTP_WEBAUTHN_RP_ID = os.environ.get("WEBAUTHN_RP_ID", "localhost")
OTP_WEBAUTHN_ALLOWED_ORIGINS = env_list("WEBAUTHN_ORIGINS", ["http://localhost:8000"])
OTP_TOTP_THROTTLE_FACTOR = 1

LANGUAGE_CODE = "en-gb"
TIME_ZONE = "Europe/London"
USE_I18N = False
USE_TZ = True

STATIC_URL = "/static/"
STATIC_ROOT = BASE_DIR / "staticfiles"
STATICFILES_DIRS = [BASE_DIR / "static"]
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": os.environ.get(
            "STATICFILES_BACKEND",
            "whitenoise.storage.CompressedManifestStaticFilesStorage",
        )
    },
}
WHITENOISE_USE_FINDERS = DEBUG

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

EMAIL_BACKEND = os.environ.get("EMAIL_BACKEND", "django.core.mail.backends.console.EmailBackend")
DEFAULT_FROM_EMAIL = os.environ.get("DEFAULT_FROM_EMAIL", "childindex@localhost")

SERVICE_NAME = "Child Index"

# Vetting: how long each item stays valid, and the current end-user agreement.
DBS_VALID_YEARS = env_int("DBS_VALID_YEARS", 3)
TRAINING_VALID_YEARS = env_int("TRAINING_VALID_YEARS", 3)
AUTHORISATION_VALID_YEARS = env_int("AUTHORISATION_VALID_YEARS", 1)
EXPIRY_WARNING_DAYS = env_int("EXPIRY_WARNING_DAYS", 30)
USER_AGREEMENT_VERSION = os.environ.get("USER_AGREEMENT_VERSION", "2026-1")
ACTIVATION_CODE_HOURS = env_int("ACTIVATION_CODE_HOURS", 72)
BACKUP_CODE_COUNT = 10

# Lockout (django-axes): 5 failed passwords or codes for one username from one client IP
# lock that username at that IP for 15 minutes, so one person's failures behind a shared
# proxy never lock their colleagues out; 50 failures from one IP, whatever the usernames,
# lock the IP (accounts.lockout.ip_locked_out).
AXES_FAILURE_LIMIT = env_int("LOCKOUT_FAILURES", 5)
AXES_COOLOFF_TIME = datetime.timedelta(minutes=env_int("LOCKOUT_MINUTES", 15))
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
LOCKOUT_IP_FAILURES = env_int("LOCKOUT_IP_FAILURES", 50)
if AXES_FAILURE_LIMIT < 1 or LOCKOUT_IP_FAILURES < AXES_FAILURE_LIMIT:
    raise ImproperlyConfigured(
        "LOCKOUT_FAILURES must be at least 1, and LOCKOUT_IP_FAILURES at least LOCKOUT_FAILURES."
    )
AXES_RESET_ON_SUCCESS = True
AXES_RESET_COOL_OFF_ON_FAILURE_DURING_LOCKOUT = False
AXES_CLIENT_IP_CALLABLE = "audit.services.client_ip"
AXES_LOCKOUT_CALLABLE = "accounts.lockout.same_response_as_a_failed_sign_in"
AXES_USERNAME_FORM_FIELD = "username"
AXES_VERBOSE = False
AXES_ENABLE_ADMIN = False

REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": ["feeds.authentication.ClientTokenAuthentication"],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "DEFAULT_RENDERER_CLASSES": ["rest_framework.renderers.JSONRenderer"],
    "DEFAULT_PARSER_CLASSES": ["rest_framework.parsers.JSONParser"],
    "UNAUTHENTICATED_USER": None,
}
SPECTACULAR_SETTINGS = {
    "TITLE": "Child Index API",
    "DESCRIPTION": "For case management systems: find a child, keep involvements current.",
    "VERSION": "1",
    "SERVE_INCLUDE_SCHEMA": False,
    "SERVE_PERMISSIONS": ["rest_framework.permissions.IsAuthenticated"],
}

# Record matching for feeds (feeds/matching.py, docs/feeds.md): scores out of 100.
MATCH_LINK_SCORE = env_int("MATCH_LINK_SCORE", 95)
MATCH_REVIEW_SCORE = env_int("MATCH_REVIEW_SCORE", 30)
MATCH_MARGIN = env_int("MATCH_MARGIN", 6)
# Rows per import transaction: the pipeline costs a few dozen statements per batch whatever
# its size; the import's memory grows with the batch (the whole process: about 150 MB at
# 5,000 rows, 250 MB at 20,000).
IMPORT_BATCH_ROWS = env_int("IMPORT_BATCH_ROWS", 5000)
if IMPORT_BATCH_ROWS < 1:
    raise ImproperlyConfigured("IMPORT_BATCH_ROWS must be at least 1")
# Match the next batch (parse, block, read the candidates) in a second process on its own
# database connection while the batch before is written (feeds/pipeline.py).
IMPORT_OVERLAP = env_bool("IMPORT_OVERLAP", True)
# Where uploaded feed files wait while they are imported (deleted afterwards).
UPLOAD_DIR = os.environ.get("UPLOAD_DIR", str(BASE_DIR / "var" / "uploads"))
FILE_UPLOAD_MAX_MEMORY_SIZE = 2 * 1024 * 1024
DATA_UPLOAD_MAX_MEMORY_SIZE = 2 * 1024 * 1024

# Retention (records/retention.py, docs/retention.md).
RETENTION_ARCHIVE_AGE = env_int("RETENTION_ARCHIVE_AGE", 18)
RETENTION_CONSENT_AGE = env_int("RETENTION_CONSENT_AGE", 25)
RETENTION_AFTER_DEATH_DAYS = env_int("RETENTION_AFTER_DEATH_DAYS", 365)
RETENTION_ARCHIVE_VISIBLE_DAYS = env_int("RETENTION_ARCHIVE_VISIBLE_DAYS", 365)
RETENTION_DELETE_YEARS = env_int("RETENTION_DELETE_YEARS", 6)
RETENTION_ENDED_INVOLVEMENT_YEARS = env_int("RETENTION_ENDED_INVOLVEMENT_YEARS", 6)

# Search: how many results a page shows before asking the user to refine.
SEARCH_RESULT_CAP = env_int("SEARCH_RESULT_CAP", 20)
# Searches each user may make in a period (django-ratelimit's "count/period" form, period
# s, m, h or d, e.g. "60/m"); integration clients have their own allowance on the API.
SEARCH_RATE_LIMIT = env_rate("SEARCH_RATE_LIMIT", "60/m")
API_SEARCH_RATE_LIMIT = env_rate("API_SEARCH_RATE_LIMIT", "600/m")
RATELIMIT_USE_CACHE = "default"
# The shared cache that counts searches (and API throttling) across every worker and server.
# REDIS_URL=locmem: a per-process cache, for single-process development only.
REDIS_URL = os.environ.get("REDIS_URL", "redis://127.0.0.1:6379/0")
if REDIS_URL == "locmem":
    if HTTPS:
        raise ImproperlyConfigured(
            "REDIS_URL=locmem counts searches per process: production needs a shared Redis."
        )
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
    # django-ratelimit refuses a per-process cache; acceptable only in a single process.
    SILENCED_SYSTEM_CHECKS = ["django_ratelimit.E003", "django_ratelimit.W001"]
elif REDIS_URL.startswith(("redis://", "rediss://", "unix://")):
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": REDIS_URL,
            "KEY_PREFIX": "childindex",
            # Fail fast: an unreachable cache makes searches answer 503, not hang.
            "OPTIONS": {"socket_connect_timeout": 2, "socket_timeout": 2},
        }
    }
    # django-ratelimit lists only django-redis as supported; Django's own RedisCache has
    # the atomic add and incr it needs.
    SILENCED_SYSTEM_CHECKS = ["django_ratelimit.W001"]
else:
    raise ImproperlyConfigured(
        f"REDIS_URL must be redis://, rediss://, unix:// or locmem, not {REDIS_URL!r}"
    )
# A reason for access lets the user re-open that child's record for this long.
RECORD_ACCESS_SECONDS = env_int("RECORD_ACCESS_SECONDS", 10 * 60)
# Ended involvements stay on the record page for this many days.
ENDED_INVOLVEMENT_DAYS = env_int("ENDED_INVOLVEMENT_DAYS", 365)

# The audit chain's seals are keyed with a secret held outside the database (docs/audit.md):
# AUDIT_SEAL_KEY is "id:secret" (the key that seals now), AUDIT_SEAL_KEYS the earlier keys,
# comma-separated, that still verify the blocks they sealed. Without AUDIT_SEAL_KEY (development
# only) a random key is made on first use in AUDIT_SEAL_KEY_FILE.
_SEAL_KEY_ID = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,31}$")


def env_seal_keys(name: str) -> list[tuple[str, str]]:
    keys = []
    for entry in env_list(name, []):
        key_id, _, secret = entry.partition(":")
        if not _SEAL_KEY_ID.match(key_id) or len(secret) < 32:
            raise ImproperlyConfigured(
                f"{name} must be id:secret (an id of letters, digits, '_', '.' or '-', and a "
                "secret of at least 32 random characters), comma-separated for several keys."
            )
        keys.append((key_id, secret))
    return keys


_seal_key = env_seal_keys("AUDIT_SEAL_KEY")
if len(_seal_key) > 1:
    raise ImproperlyConfigured("AUDIT_SEAL_KEY is one key; earlier keys go in AUDIT_SEAL_KEYS.")
if not _seal_key and HTTPS:
    raise ImproperlyConfigured("AUDIT_SEAL_KEY must be set when HTTPS=true (production).")
AUDIT_SEAL_KEY_ID = _seal_key[0][0] if _seal_key else ""
AUDIT_SEAL_SECRETS: dict[str, str] = {}
for _key_id, _secret in _seal_key + env_seal_keys("AUDIT_SEAL_KEYS"):
    if AUDIT_SEAL_SECRETS.setdefault(_key_id, _secret) != _secret:
        raise ImproperlyConfigured(
            f"AUDIT_SEAL_KEY and AUDIT_SEAL_KEYS give the key id {_key_id!r} two secrets."
        )
AUDIT_SEAL_KEY_FILE = BASE_DIR / "var" / "audit-seal.key"
# The witness: every sealed block's head is appended (and fsync'd) to this file, kept where the
# database's administrators cannot write. Unset (development only): var/audit-witness/<db>.jsonl.
AUDIT_WITNESS_PATH = os.environ.get("AUDIT_WITNESS_PATH", "")
if not AUDIT_WITNESS_PATH and HTTPS:
    raise ImproperlyConfigured(
        "AUDIT_WITNESS_PATH must be set when HTTPS=true (production): an append-only file "
        "outside the database, on storage every instance can read."
    )
# A copy of each witness line for syslog (and so off the host): a socket path such as
# /dev/log, or host:port for UDP. Empty: only the application log (logger audit.witness).
AUDIT_WITNESS_SYSLOG = os.environ.get("AUDIT_WITNESS_SYSLOG", "")
_SYSLOG_ADDRESS = re.compile(r"^(/\S+|[A-Za-z0-9.-]+:[0-9]{1,5})$")
if AUDIT_WITNESS_SYSLOG and not _SYSLOG_ADDRESS.match(AUDIT_WITNESS_SYSLOG):
    raise ImproperlyConfigured(
        f"AUDIT_WITNESS_SYSLOG must be a socket path or host:port, not {AUDIT_WITNESS_SYSLOG!r}"
    )

AUDITLOG_INCLUDE_ALL_MODELS = False
# Change-history entries carry the same request id as the audit events of that request.
AUDITLOG_CID_GETTER = "audit.middleware.current_request_id"

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {
        "plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"},
    },
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain"}},
    "root": {"handlers": ["console"], "level": os.environ.get("LOG_LEVEL", "INFO")},
    "loggers": {
        # One line per sealed block (audit/witness.py): heads and MACs, no personal data.
        "audit.witness": {"level": "INFO"},
        # Request lines carry no query strings with personal data (search is POST),
        # but keep Django's request logger at WARNING so bodies never reach logs.
        "django.request": {"level": "WARNING"},
        "django.db.backends": {"level": "WARNING"},
        "axes": {"level": "WARNING"},
    },
}
if AUDIT_WITNESS_SYSLOG:
    _host, _, _port = AUDIT_WITNESS_SYSLOG.rpartition(":")
    LOGGING["handlers"]["witness_syslog"] = {
        "class": "logging.handlers.SysLogHandler",
        "address": AUDIT_WITNESS_SYSLOG
        if AUDIT_WITNESS_SYSLOG.startswith("/")
        else (_host, int(_port)),
        "facility": "authpriv",
        "formatter": "plain",
    }
    LOGGING["loggers"]["audit.witness"]["handlers"] = ["console", "witness_syslog"]
    LOGGING["loggers"]["audit.witness"]["propagate"] = False
CSRF_FAILURE_VIEW = "childindex.errors.csrf_failure"
