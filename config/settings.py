"""Attest settings: one file, every value from the environment (documented in .env.example).

Defaults give the embedded demo: SQLite under ./var/, no Redis (Celery runs tasks eagerly in
process). Production sets DEBUG=false, SECRET_KEY, ALLOWED_HOSTS, DATABASE_URL and REDIS_URL.
"""

from __future__ import annotations

from pathlib import Path
from urllib.parse import urlsplit

import dj_database_url
from django.core.exceptions import ImproperlyConfigured

from config.env import env_bool, env_int, env_list, env_str

BASE_DIR = Path(__file__).resolve().parent.parent
VAR_DIR = Path(env_str("ATTEST_VAR_DIR", str(BASE_DIR / "var")))

DEBUG = env_bool("DEBUG", False)
# With DEBUG on, Django's technical 404/500 pages instead of Attest's own (for developers).
ATTEST_TECHNICAL_ERROR_PAGES = env_bool("ATTEST_TECHNICAL_ERROR_PAGES", False)

SECRET_KEY = env_str("SECRET_KEY")
if not SECRET_KEY:
    if not DEBUG:
        raise ImproperlyConfigured(
            "SECRET_KEY is not set and DEBUG is off: set SECRET_KEY (or SECRET_KEY_FILE) to a long "
            "random string, e.g. python -c 'import secrets; print(secrets.token_urlsafe(50))'."
        )
    # Development only: a key that is obviously not for production.
    SECRET_KEY = "insecure-development-key-do-not-use-in-production"  # noqa: S105

ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", ["127.0.0.1", "localhost"] if DEBUG else [])
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS", [])

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "rest_framework",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "django_filters",
    "guardian",
    "csp",
    "allauth",
    "allauth.account",
    "allauth.socialaccount",
    "allauth.socialaccount.providers.openid_connect",
    "common",
    "accounts",
    "audit",
    "catalog",
    "governance",  # migrations only (the pre-split tables); no code
    "risk",
    "approvals",
    "monitoring",
    "usage",
    "documents",
    "notifications",  # outgoing governance events (webhooks)
    "portal",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "csp.middleware.CSPMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "common.middleware.RequestContextMiddleware",
    # The embedded demo (DEBUG on) shows Attest's own 404/500 pages, not Django's technical
    # ones; here, so the replacement still gets the request id, CSP and security headers.
    "common.middleware.ProductErrorPagesMiddleware",
    # NUL characters and lone surrogates in the path, query, headers or a form: 400 before any
    # view or query sees them (common/input_guard.py; JSON bodies: common.api.parsers).
    "common.input_guard.InputGuardMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    # The signed-in user's stored language over the cookie and Accept-Language (issue 21).
    "accounts.language.UserLanguageMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "common.middleware.ServiceErrorPageMiddleware",
    "allauth.account.middleware.AccountMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
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
                "portal.context_processors.navigation",
            ],
        },
    },
]

# --- Database -------------------------------------------------------------------------------
_default_sqlite = f"sqlite:///{VAR_DIR / 'attest.sqlite3'}"
DATABASE_URL = env_str("DATABASE_URL") or _default_sqlite
DATABASES = {
    "default": dj_database_url.parse(DATABASE_URL, conn_max_age=env_int("DB_CONN_MAX_AGE", 60))
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    VAR_DIR.mkdir(parents=True, exist_ok=True)
    DATABASES["default"]["CONN_MAX_AGE"] = 0
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# --- Auth -----------------------------------------------------------------------------------
AUTH_USER_MODEL = "accounts.User"
LOGIN_URL = "accounts:login"
LOGIN_REDIRECT_URL = "portal:dashboard"  # the home page
LOGOUT_REDIRECT_URL = "accounts:login"
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
AUTHENTICATION_BACKENDS = [
    "django.contrib.auth.backends.ModelBackend",
    "allauth.account.auth_backends.AuthenticationBackend",
    "guardian.backends.ObjectPermissionBackend",
]
# Local password sign-in. When false only superusers (break-glass admins) may use it.
ATTEST_LOCAL_LOGIN = env_bool("ATTEST_LOCAL_LOGIN", True)
# django-guardian: no anonymous user row; anonymous visitors see nothing.
ANONYMOUS_USER_NAME = None
GUARDIAN_RAISE_403 = False
# Pepper for API token hashes (HMAC-SHA256). Defaults to SECRET_KEY; set it separately so that
# rotating SECRET_KEY (sessions) does not invalidate every CI token.
ATTEST_TOKEN_PEPPER = env_str("ATTEST_TOKEN_PEPPER") or SECRET_KEY
ATTEST_TOKEN_MAX_DAYS = env_int("ATTEST_TOKEN_MAX_DAYS", 365)
# Fernet key encrypting webhook secrets and registry credentials at rest. Required off DEBUG.
ATTEST_SECRETS_KEY = env_str("ATTEST_SECRETS_KEY") or ""
if not ATTEST_SECRETS_KEY and not DEBUG and not env_bool("ATTEST_ALLOW_DERIVED_SECRETS_KEY", False):
    raise ImproperlyConfigured(
        "ATTEST_SECRETS_KEY is not set and DEBUG is off: set it (or ATTEST_SECRETS_KEY_FILE) to a "
        "Fernet key, e.g. python -c 'from cryptography.fernet import Fernet; "
        "print(Fernet.generate_key().decode())'."
    )

# --- Audit trail ---------------------------------------------------------------------------
# Ed25519 private key (PEM) signing audit checkpoints; keep it out of the database. Without it
# a key is derived from SECRET_KEY.
ATTEST_AUDIT_SIGNING_KEY = env_str("ATTEST_AUDIT_SIGNING_KEY") or ""
# Append-only file (outside the database) that receives every checkpoint.
ATTEST_AUDIT_CHECKPOINT_FILE = env_str(
    "ATTEST_AUDIT_CHECKPOINT_FILE", str(VAR_DIR / "audit-checkpoints.jsonl")
)

# --- Registry ingestion ---------------------------------------------------------------------
# Largest webhook body accepted (MLflow payloads are ~1 KiB); larger answers 413 unread.
ATTEST_WEBHOOK_MAX_BYTES = env_int("ATTEST_WEBHOOK_MAX_BYTES", 1024 * 1024)
# Accepted clock difference between MLflow's X-MLflow-Timestamp and ours, both ways.
ATTEST_WEBHOOK_TOLERANCE_SECONDS = env_int("ATTEST_WEBHOOK_TOLERANCE_SECONDS", 300)
# Processing attempts of one delivery before it is marked failed (retry from the inbox page).
ATTEST_INGEST_MAX_ATTEMPTS = env_int("ATTEST_INGEST_MAX_ATTEMPTS", 5)
# A delivery not processed this many seconds after its last attempt is re-queued by the sweeper.
ATTEST_INGEST_SWEEP_AFTER_SECONDS = env_int("ATTEST_INGEST_SWEEP_AFTER_SECONDS", 120)
# The inbox drain (catalog/services/inbox.py): deliveries claimed per batch; drains running at
# once across every worker on every host (each holds one worker process); how long one drain
# task keeps going before leaving the rest to the next; beat's polling interval, the fallback
# when no NOTIFY reaches a worker; whether workers LISTEN for the receivers' NOTIFY at all.
ATTEST_INGEST_BATCH_SIZE = env_int("ATTEST_INGEST_BATCH_SIZE", 100)
ATTEST_INGEST_DRAINERS = env_int("ATTEST_INGEST_DRAINERS", 1)
ATTEST_INGEST_DRAIN_SECONDS = env_int("ATTEST_INGEST_DRAIN_SECONDS", 60)
ATTEST_INGEST_POLL_SECONDS = env_int("ATTEST_INGEST_POLL_SECONDS", 5)
ATTEST_INGEST_LISTEN = env_bool("ATTEST_INGEST_LISTEN", True)
# Timeout of one call to a registry's REST API.
ATTEST_REGISTRY_TIMEOUT_SECONDS = env_int("ATTEST_REGISTRY_TIMEOUT_SECONDS", 10)

# --- Single sign-on (OpenID Connect through django-allauth) -------------------------------
# Set ATTEST_OIDC_SERVER_URL (the issuer; discovery is read from
# <issuer>/.well-known/openid-configuration), the client id and secret to show the
# "Sign in with <provider>" button. The redirect URI to register at the provider is
# https://<host>/accounts/oidc/<ATTEST_OIDC_PROVIDER_ID>/login/callback/.
ATTEST_OIDC_SERVER_URL = (env_str("ATTEST_OIDC_SERVER_URL") or "").rstrip("/")
ATTEST_OIDC_PROVIDER_ID = env_str("ATTEST_OIDC_PROVIDER_ID", "sso")
ATTEST_OIDC_PROVIDER_NAME = env_str("ATTEST_OIDC_PROVIDER_NAME", "company SSO")
ATTEST_OIDC_CLIENT_ID = env_str("ATTEST_OIDC_CLIENT_ID", "")
ATTEST_OIDC_CLIENT_SECRET = env_str("ATTEST_OIDC_CLIENT_SECRET", "")
ATTEST_OIDC_SCOPES = env_list("ATTEST_OIDC_SCOPES", ["openid", "profile", "email", "groups"])
ATTEST_OIDC_GROUPS_CLAIM = env_str("ATTEST_OIDC_GROUPS_CLAIM", "groups")
# JSON: {"<provider group>": {"roles": [...], "teams": ["<team slug>", ...]}, ...}
ATTEST_SSO_GROUP_MAP = env_str("ATTEST_SSO_GROUP_MAP", "")

SOCIALACCOUNT_ONLY = True  # allauth only does SSO; local sign-in is Attest's own page
ACCOUNT_EMAIL_VERIFICATION = "none"
ACCOUNT_UNIQUE_EMAIL = False  # identities are bound on (provider, subject), never on e-mail
SOCIALACCOUNT_AUTO_SIGNUP = True
SOCIALACCOUNT_EMAIL_AUTHENTICATION = False
SOCIALACCOUNT_EMAIL_AUTHENTICATION_AUTO_CONNECT = False
SOCIALACCOUNT_LOGIN_ON_GET = False  # the flow starts with a POST from our sign-in page
SOCIALACCOUNT_STORE_TOKENS = False
SOCIALACCOUNT_ADAPTER = "accounts.sso.adapter.AttestSocialAccountAdapter"
SOCIALACCOUNT_PROVIDERS = {
    "openid_connect": {
        "OAUTH_PKCE_ENABLED": True,
        "SCOPE": ATTEST_OIDC_SCOPES,
        "APPS": [
            {
                "provider_id": ATTEST_OIDC_PROVIDER_ID,
                "name": ATTEST_OIDC_PROVIDER_NAME,
                "client_id": ATTEST_OIDC_CLIENT_ID,
                "secret": ATTEST_OIDC_CLIENT_SECRET,
                "settings": {"server_url": ATTEST_OIDC_SERVER_URL, "oauth_pkce_enabled": True},
            }
        ]
        if ATTEST_OIDC_SERVER_URL
        else [],
    }
}

# --- Celery / Redis -------------------------------------------------------------------------
REDIS_URL = env_str("REDIS_URL") or ""
CELERY_BROKER_URL = REDIS_URL or "memory://"
CELERY_RESULT_BACKEND = None
# No broker configured: run tasks in-process so the embedded demo needs nothing else.
CELERY_TASK_ALWAYS_EAGER = not REDIS_URL
CELERY_TASK_EAGER_PROPAGATES = True
# Without a broker, these slow tasks run in a background thread of the web process instead of
# inside the request that asked (a PDF takes seconds; the page shows its progress meanwhile).
# Webhook deliveries too: a slow receiver (up to the request timeout) must not hold a page.
ATTEST_EAGER_BACKGROUND_TASKS = (
    []
    if REDIS_URL
    else [
        "governance.tasks.render_document",
        "notifications.tasks.deliver",
        "notifications.tasks.notify",
    ]
)
# Work must not be lost when a worker dies (reference/reliability-tests.md, "Work that must not
# be lost"): acknowledge after the task ran, give the message back if the worker is killed, take
# one message at a time, and keep unacked messages invisible longer than the longest task.
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TASK_TIME_LIMIT = env_int("CELERY_TASK_TIME_LIMIT", 600)
CELERY_TASK_SOFT_TIME_LIMIT = CELERY_TASK_TIME_LIMIT - 30
CELERY_BROKER_TRANSPORT_OPTIONS = {
    "visibility_timeout": CELERY_TASK_TIME_LIMIT * 2,
    # Publishing happens right after commit inside web requests (common/outbox.py): with Redis
    # unreachable or hung it must fail within seconds and leave the message to the relay, not
    # hold the request (socket timeouts are unbounded by default). 5 s stays above the
    # worker's 1 s BRPOP poll.
    "socket_connect_timeout": 2,
    "socket_timeout": 5,
}
CELERY_TASK_DEFAULT_QUEUE = env_str("ATTEST_CELERY_QUEUE", "attest")
CELERY_BEAT_SCHEDULE: dict = {
    "audit-seal": {"task": "audit.tasks.seal", "schedule": 1.0, "options": {"expires": 5}},
    "audit-checkpoint": {"task": "audit.tasks.checkpoint", "schedule": 15 * 60.0},
    "audit-verify": {"task": "audit.tasks.verify", "schedule": 24 * 3600.0},
    "sweep-registry-inbox": {"task": "catalog.tasks.sweep_inbox", "schedule": 60.0},
    # The inbox is drained when a receiver's NOTIFY wakes a worker; this tick is the fallback.
    "drain-registry-inbox": {
        "task": "catalog.tasks.drain_inbox",
        "schedule": float(ATTEST_INGEST_POLL_SECONDS),
        "options": {"expires": max(5, ATTEST_INGEST_POLL_SECONDS * 2)},
    },
    "reconcile-registries": {
        "task": "catalog.tasks.reconcile_all_sources",
        "schedule": float(env_int("ATTEST_RECONCILE_INTERVAL_SECONDS", 3600)),
    },
    # Registries without events (Kubeflow Model Registry) are polled (catalog/tasks.py).
    "poll-registries": {
        "task": "catalog.tasks.poll_sources",
        "schedule": float(env_int("ATTEST_POLL_INTERVAL_SECONDS", 300)),
        "options": {"expires": 60},
    },
    # Side effects whose after-commit publish failed (broker outage) are retried from the
    # outbox (common/outbox.py); a stale tick is useless, a newer one follows.
    "outbox-relay": {"task": "common.outbox_relay", "schedule": 15.0, "options": {"expires": 60}},
}
# Outbox messages still undelivered after this many attempts show as failing in the admin.
ATTEST_OUTBOX_FAILING_AFTER = env_int("ATTEST_OUTBOX_FAILING_AFTER", 5)

# --- REST API -------------------------------------------------------------------------------
REST_FRAMEWORK = {
    # Bearer tokens first: their `WWW-Authenticate` header is what turns "no credentials" into 401.
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "accounts.authentication.BearerTokenAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    # DRF's JSONParser through the input guard: bounded size, depth and numbers, no NUL or
    # lone surrogate in any string (views that take forms add Form/MultiPart parsers).
    "DEFAULT_PARSER_CLASSES": ["common.api.parsers.GuardedJSONParser"],
    "DEFAULT_RENDERER_CLASSES": ["rest_framework.renderers.JSONRenderer"],
    "DEFAULT_FILTER_BACKENDS": ["django_filters.rest_framework.DjangoFilterBackend"],
    "DEFAULT_PAGINATION_CLASS": "common.api.StandardPagination",
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "EXCEPTION_HANDLER": "common.api.exception_handler",
    "PAGE_SIZE": 50,
}
# JSON bodies of the API (common.api.parsers): largest body (413 beyond), deepest nesting and
# longest integer (in digits) accepted; beyond: 400. Integers beyond 20 digits fit no database
# column; send such identifiers as strings. (Webhooks have their own size limit above and the
# guard's fixed depth and number bounds, common/input_guard.py.)
ATTEST_JSON_MAX_BYTES = env_int("ATTEST_JSON_MAX_BYTES", 1024 * 1024)
ATTEST_JSON_MAX_DEPTH = env_int("ATTEST_JSON_MAX_DEPTH", 64)
ATTEST_JSON_MAX_INT_DIGITS = env_int("ATTEST_JSON_MAX_INT_DIGITS", 20)
SPECTACULAR_SETTINGS = {
    "TITLE": "Attest API",
    "DESCRIPTION": (
        "Model-governance API: catalog of models and versions, deploy gate, evidence. "
        "Authenticate with `Authorization: Bearer <token>` (see `create_api_token`)."
    ),
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    "SCHEMA_PATH_PREFIX": r"/api/v1",
    "COMPONENT_SPLIT_REQUEST": True,
    "ENUM_NAME_OVERRIDES": {
        "RiskTierEnum": "catalog.models.ModelService.RiskTier",
        "LanguageEnum": "config.settings.LANGUAGES",
    },
    # The push API's signed delivery body, documented as a webhook (catalog/openapi.py).
    "POSTPROCESSING_HOOKS": [
        "drf_spectacular.hooks.postprocess_schema_enums",
        "catalog.openapi.registry_push_webhook",
    ],
    # API docs assets are served by the portal itself (no CDN at run time).
    "REDOC_DIST": "SIDECAR",
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    # The schema and its docs page describe every operation: signed-in users and API tokens
    # only, unless ATTEST_PUBLIC_API_DOCS publishes them.
    "SERVE_PERMISSIONS": (
        ["rest_framework.permissions.AllowAny"]
        if env_bool("ATTEST_PUBLIC_API_DOCS", False)
        else ["rest_framework.permissions.IsAuthenticated"]
    ),
}

# --- Internationalisation / time ------------------------------------------------------------
# English and German (issue 21). LocaleMiddleware picks the user's stored choice (session),
# else Accept-Language; the API stays English unless the client asks for German.
LANGUAGE_CODE = "en"
LANGUAGES = [("en", "English"), ("de", "Deutsch")]
LOCALE_PATHS = [BASE_DIR / "locale"]
# Dates in templates go through SHORT_DATE_FORMAT / SHORT_DATETIME_FORMAT: ISO in English,
# 07.12.2026 in German (config/formats/).
FORMAT_MODULE_PATH = ["config.formats"]
TIME_ZONE = env_str("TIME_ZONE", "UTC")
USE_I18N = True
USE_TZ = True

# --- Static files ---------------------------------------------------------------------------
STATIC_URL = "/static/"
STATICFILES_DIRS = [BASE_DIR / "static"]
STATIC_ROOT = Path(env_str("STATIC_ROOT", str(VAR_DIR / "staticfiles")))
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"
        if DEBUG
        else "whitenoise.storage.CompressedManifestStaticFilesStorage"
    },
}
# In development WhiteNoise serves straight from the app folders; no collectstatic needed.
WHITENOISE_USE_FINDERS = DEBUG
if DEBUG:
    STATIC_ROOT.mkdir(parents=True, exist_ok=True)
MEDIA_ROOT = Path(env_str("MEDIA_ROOT", str(VAR_DIR / "media")))

# --- E-mail ---------------------------------------------------------------------------------
EMAIL_BACKEND = env_str(
    "EMAIL_BACKEND",
    "django.core.mail.backends.console.EmailBackend"
    if DEBUG
    else "django.core.mail.backends.smtp.EmailBackend",
)
EMAIL_HOST = env_str("EMAIL_HOST", "localhost")
EMAIL_PORT = env_int("EMAIL_PORT", 25)
EMAIL_HOST_USER = env_str("EMAIL_HOST_USER", "")
EMAIL_HOST_PASSWORD = env_str("EMAIL_HOST_PASSWORD", "")
EMAIL_USE_TLS = env_bool("EMAIL_USE_TLS", False)
DEFAULT_FROM_EMAIL = env_str("DEFAULT_FROM_EMAIL", "attest@localhost")
SERVER_EMAIL = DEFAULT_FROM_EMAIL

# --- Security -------------------------------------------------------------------------------
# Production defaults are strict (`manage.py check --deploy` is clean); DEBUG relaxes them.
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
SESSION_COOKIE_SECURE = env_bool("SECURE_COOKIES", not DEBUG)
CSRF_COOKIE_SECURE = SESSION_COOKIE_SECURE
CSRF_COOKIE_HTTPONLY = True
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT", not DEBUG)
# /healthz and /readyz answer plain HTTP so load balancers can probe the pod directly.
SECURE_REDIRECT_EXEMPT = [r"^healthz$", r"^readyz$"]
SECURE_HSTS_SECONDS = env_int("SECURE_HSTS_SECONDS", 0 if DEBUG else 31_536_000)
SECURE_HSTS_INCLUDE_SUBDOMAINS = env_bool("SECURE_HSTS_INCLUDE_SUBDOMAINS", not DEBUG)
SECURE_HSTS_PRELOAD = env_bool("SECURE_HSTS_PRELOAD", not DEBUG)
if env_bool("USE_X_FORWARDED_PROTO", False):
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
# Reverse proxies whose X-Forwarded-For is believed (common/client_address.py): networks
# ("10.0.0.0/8,127.0.0.1") or a hop count ("1"). Empty: no proxy is trusted and the connecting
# address is the client. Rate limits, audit events and sign-in records use the client found.
ATTEST_TRUSTED_PROXIES = env_str("ATTEST_TRUSTED_PROXIES", "")

# Content-Security-Policy (django-csp 4): scripts only from this origin, no inline scripts.
# Inline *styles* are allowed because Django's admin and Redoc set style attributes.
_form_action = ["'self'"]
if ATTEST_OIDC_SERVER_URL:
    _oidc = urlsplit(ATTEST_OIDC_SERVER_URL)
    # The SSO button posts to us and we redirect to the provider: form-action covers that hop.
    _form_action.append(f"{_oidc.scheme}://{_oidc.netloc}")
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "script-src": ["'self'"],
        "style-src": ["'self'", "'unsafe-inline'"],
        "img-src": ["'self'", "data:"],
        "font-src": ["'self'"],
        "connect-src": ["'self'"],
        "object-src": ["'none'"],
        "base-uri": ["'self'"],
        "frame-ancestors": ["'none'"],
        "form-action": _form_action,
    }
}

# --- Cache and rate limits -----------------------------------------------------------------
CACHES = {
    "default": {
        "BACKEND": "django.core.cache.backends.redis.RedisCache",
        "LOCATION": REDIS_URL,
        "KEY_PREFIX": "attest",
    }
    if REDIS_URL
    else {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}
}
# "<count>/<seconds>". Sign-in counts per address and per (address, username); token
# failures per address; API calls per token. Exceeding answers 429 with Retry-After.
ATTEST_RATE_SIGN_IN = env_str("ATTEST_RATE_SIGN_IN", "10/300")
ATTEST_RATE_SIGN_IN_PER_ADDRESS = env_str("ATTEST_RATE_SIGN_IN_PER_ADDRESS", "50/300")
ATTEST_RATE_TOKEN_FAILURES = env_str("ATTEST_RATE_TOKEN_FAILURES", "20/60")
ATTEST_RATE_API = env_str("ATTEST_RATE_API", "1200/60")
# CI workload identity (accounts/workload_identity.py): trusted OIDC issuers must be https://
# unless this is true (labs and tests only).
ATTEST_OIDC_ALLOW_HTTP_ISSUERS = env_bool("ATTEST_OIDC_ALLOW_HTTP_ISSUERS", False)

# --- Logging --------------------------------------------------------------------------------
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain"}},
    "root": {"handlers": ["console"], "level": env_str("LOG_LEVEL", "INFO")},
    # WeasyPrint narrates every layout step at INFO; its warnings still show.
    "loggers": {"weasyprint.progress": {"level": "WARNING"}},
}

# --- Product --------------------------------------------------------------------------------
ATTEST_CATALOG_PAGE_SIZE = env_int("ATTEST_CATALOG_PAGE_SIZE", 25)
# Evidence uploads: largest file, and the accepted file types (by extension and content).
# The EU AI Act rule set new assessments use (a version from risk/rulesets/, e.g.
# "2024-1689+2026-1744.v2"); empty: the newest file. Old assessments keep their own version.
ATTEST_RULESET = env_str("ATTEST_RULESET", "")
ATTEST_EVIDENCE_MAX_BYTES = env_int("ATTEST_EVIDENCE_MAX_BYTES", 10 * 1024 * 1024)
ATTEST_EVIDENCE_EXTENSIONS = env_list(
    "ATTEST_EVIDENCE_EXTENSIONS",
    ["pdf", "png", "jpg", "jpeg", "txt", "md", "csv", "json", "docx", "xlsx", "html"],
)
# Management-system frameworks shown beside the AI Act obligations (coverage page and exports):
# "iso42001" (ISO/IEC 42001:2023 Annex A), "nist-ai-rmf" (NIST AI RMF 1.0). Empty: none.
ATTEST_FRAMEWORKS = env_list("ATTEST_FRAMEWORKS", ["iso42001", "nist-ai-rmf"])

# --- Deployment approvals and the deploy gate -----------------------------------------------
# Environments a version can be requested for, in promotion order.
ATTEST_ENVIRONMENTS = env_list("ATTEST_ENVIRONMENTS", ["staging", "production"])
# Registry alias Attest sets on approval (and removes on revoke/expiry) per environment, and
# watches for drift: "production=production,staging=staging". Empty: tags only.
ATTEST_ENVIRONMENT_ALIASES = env_str("ATTEST_ENVIRONMENT_ALIASES", "production=production")
# JSON overrides of the approval policy (approvals/policy.py), e.g.
# {"high": {"staging": {"approvals": 2}}}; also ATTEST_APPROVAL_POLICY_FILE.
ATTEST_APPROVAL_POLICY = env_str("ATTEST_APPROVAL_POLICY", "")
# Remind requester and reviewers this many days before an approval expires.
ATTEST_APPROVAL_REMINDER_DAYS = env_int("ATTEST_APPROVAL_REMINDER_DAYS", 30)
# Registry write-back attempts before a request shows "write-back failed".
ATTEST_WRITEBACK_MAX_ATTEMPTS = env_int("ATTEST_WRITEBACK_MAX_ATTEMPTS", 8)
# Absolute base URL used in e-mails ("Open the request").
ATTEST_BASE_URL = (env_str("ATTEST_BASE_URL", "http://127.0.0.1:8000") or "").rstrip("/")
ATTEST_RATE_GATE = env_str("ATTEST_RATE_GATE", "600/60")
# Signed gate decisions (approvals/decisions.py): Ed25519 private key (PEM) signing the JWS in
# every gate answer; without it a key derived from SECRET_KEY (never the audit key). Public
# keys (PEM, concatenated) of earlier gate keys stay published in the JWKS after a rotation.
ATTEST_GATE_SIGNING_KEY = env_str("ATTEST_GATE_SIGNING_KEY") or ""
ATTEST_GATE_RETIRED_KEYS = env_str("ATTEST_GATE_RETIRED_KEYS") or ""
# Seconds a signed decision is valid (an allow never outlives its approval).
ATTEST_GATE_DECISION_TTL = env_int("ATTEST_GATE_DECISION_TTL", 900)
CELERY_BEAT_SCHEDULE.update(
    {
        "approvals-expire": {"task": "governance.tasks.expire_approvals", "schedule": 3600.0},
        "approvals-remind": {"task": "governance.tasks.remind_expiring", "schedule": 24 * 3600.0},
        "approvals-writeback-sweep": {
            "task": "governance.tasks.sweep_writeback",
            "schedule": 120.0,
        },
    }
)

# --- Generated documents (model cards, Annex IV, portfolio reports) ---------------------------
ATTEST_DOCUMENT_MAX_ATTEMPTS = env_int("ATTEST_DOCUMENT_MAX_ATTEMPTS", 3)
# PDFs and evidence packs are signed with this key and certificate (PEM; documents/signing_keys.py
# generates a self-signed pair under VAR_DIR when unset); an RFC 3161 TSA adds a timestamp.
ATTEST_DOCUMENT_SIGNING_KEY = env_str("ATTEST_DOCUMENT_SIGNING_KEY") or ""
ATTEST_DOCUMENT_SIGNING_CERT = env_str("ATTEST_DOCUMENT_SIGNING_CERT") or ""
ATTEST_TSA_URL = env_str("ATTEST_TSA_URL") or ""
CELERY_BEAT_SCHEDULE["documents-sweep"] = {
    "task": "governance.tasks.sweep_documents",
    "schedule": 300.0,
}

# --- Production monitoring (metrics, alerts, model age, incidents, recertification) ---------
# Largest metric batch (items) and body (bytes) accepted by POST /api/v1/metrics/.
ATTEST_METRICS_MAX_ITEMS = env_int("ATTEST_METRICS_MAX_ITEMS", 10_000)
ATTEST_METRICS_MAX_BYTES = env_int("ATTEST_METRICS_MAX_BYTES", 8 * 1024 * 1024)
# Metric timestamps may run this far ahead of our clock (the poster's clock may be off).
ATTEST_METRICS_FUTURE_TOLERANCE_SECONDS = env_int("ATTEST_METRICS_FUTURE_TOLERANCE_SECONDS", 600)
# Longest time a deployment may run per risk tier before it is flagged "stale in production",
# and the environments this applies to. Tiers not listed are not checked.
ATTEST_MAX_AGE_DAYS = env_str("ATTEST_MAX_AGE_DAYS", "high=365,limited=540,minimal=730")
ATTEST_MAX_AGE_ENVIRONMENTS = env_list("ATTEST_MAX_AGE_ENVIRONMENTS", ["production"])
# Months between recertification reviews per risk tier, and the reminder before one is due.
ATTEST_RECERTIFICATION_MONTHS = env_str(
    "ATTEST_RECERTIFICATION_MONTHS", "high=6,limited=12,minimal=24"
)
ATTEST_RECERTIFICATION_REMINDER_DAYS = env_int("ATTEST_RECERTIFICATION_REMINDER_DAYS", 14)
# A serious incident's Art. 73 report deadline is "near" (the incident.deadline_near event,
# sent once per incident and deadline) this many hours before it. At least 24, since the
# check runs daily; at most 360, the longest Art. 73 deadline (15 days).
ATTEST_INCIDENT_WARNING_HOURS = env_int("ATTEST_INCIDENT_WARNING_HOURS", 48)
if not 24 <= ATTEST_INCIDENT_WARNING_HOURS <= 360:
    raise ImproperlyConfigured(
        f"ATTEST_INCIDENT_WARNING_HOURS is {ATTEST_INCIDENT_WARNING_HOURS}: give a number of hours "
        "from 24 (the deadline check runs daily) to 360 (the longest Art. 73 deadline, 15 days)."
    )
CELERY_BEAT_SCHEDULE["monitoring-daily"] = {
    "task": "monitoring.tasks.daily_checks",
    "schedule": 24 * 3600.0,
}
# --- Usage and cost (usage/; README "Usage and cost") ----------------------------------------
# The FOCUS resource tag whose value names the model (its catalog name or id) a cost row is for.
ATTEST_COST_MODEL_TAG = env_str("ATTEST_COST_MODEL_TAG", "attest-model")
# The second tag: the row's deployment of that model, by id or environment (issue 22).
ATTEST_COST_DEPLOYMENT_TAG = env_str("ATTEST_COST_DEPLOYMENT_TAG", "attest-deployment")
# Largest FOCUS file accepted by POST /api/v1/costs/imports/ (bytes; written to disk, streamed).
ATTEST_COST_IMPORT_MAX_BYTES = env_int("ATTEST_COST_IMPORT_MAX_BYTES", 2 * 1024 * 1024 * 1024)
# Prometheus reads: resolution of the counters read over query_range, and the request timeout.
ATTEST_USAGE_STEP_SECONDS = env_int("ATTEST_USAGE_STEP_SECONDS", 60)
ATTEST_USAGE_TIMEOUT_SECONDS = env_int("ATTEST_USAGE_TIMEOUT_SECONDS", 20)
# A usage source's Prometheus URL is a team's input: private, loopback and reserved addresses
# are refused (SSRF, as for outgoing webhooks) unless this is on; an in-cluster Prometheus
# (http://prometheus.monitoring:9090) needs it.
ATTEST_USAGE_PROMETHEUS_ALLOW_PRIVATE = env_bool("ATTEST_USAGE_PROMETHEUS_ALLOW_PRIVATE", False)
CELERY_BEAT_SCHEDULE["usage-read"] = {"task": "usage.tasks.read_usage", "schedule": 3600.0}
CELERY_BEAT_SCHEDULE["usage-budgets"] = {
    "task": "usage.tasks.check_budgets",
    "schedule": 6 * 3600.0,  # forecasts move as the month goes on, not only on imports
}

# --- Outgoing governance events (Standard Webhooks; notifications app) ---------------------
# Endpoints on private, loopback or reserved addresses are refused (SSRF) unless this is on:
# labs and tests only.
ATTEST_WEBHOOKS_ALLOW_PRIVATE_TARGETS = env_bool("ATTEST_WEBHOOKS_ALLOW_PRIVATE_TARGETS", False)
# The spec recommends a 15 to 30 s request timeout.
ATTEST_WEBHOOKS_TIMEOUT_SECONDS = env_int("ATTEST_WEBHOOKS_TIMEOUT_SECONDS", 15)
ATTEST_WEBHOOKS_MAX_ATTEMPTS = env_int("ATTEST_WEBHOOKS_MAX_ATTEMPTS", 5)
# Wait after the n-th failure: base x 5^(n-1), +-20 % (60 s: 1 min, 5 min, 25 min, 2 h...).
ATTEST_WEBHOOKS_RETRY_BASE_SECONDS = env_int("ATTEST_WEBHOOKS_RETRY_BASE_SECONDS", 60)
CELERY_BEAT_SCHEDULE["webhooks-deliver-due"] = {
    "task": "notifications.tasks.deliver_due",
    "schedule": 30.0,
    "options": {"expires": 25},
}
# Daily digests of notification channels and personal subscriptions: the days that ended are
# summed up on the next tick (notifications/digests.py; a day is never sent twice).
CELERY_BEAT_SCHEDULE["notifications-digests"] = {
    "task": "notifications.tasks.send_digests",
    "schedule": 3600.0,
    "options": {"expires": 1800},
}
