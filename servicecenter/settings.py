"""Settings for servicecenter: one file, driven by the environment.

Every value has a development default so that `make run` works on a bare machine
(SQLite, a filesystem Celery broker). Production sets the environment variables listed
in README.md; with those set, `manage.py check --deploy` is clean.
"""

import os
from pathlib import Path

import dj_database_url

BASE_DIR = Path(__file__).resolve().parent.parent
VAR_DIR = Path(os.environ.get("VAR_DIR", BASE_DIR / "var"))


def env_bool(name: str, default: bool) -> bool:
    value = os.environ.get(name)
    if value is None:
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def env_list(name: str, default: str) -> list[str]:
    return [item.strip() for item in os.environ.get(name, default).split(",") if item.strip()]


DEBUG = env_bool("DEBUG", True)
# The development key is public on purpose; production must set SECRET_KEY (check --deploy says so).
SECRET_KEY = os.environ.get("SECRET_KEY", "django-insecure-dev-only-servicecenter-key")
ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", "127.0.0.1,localhost,testserver" if DEBUG else "")
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS", "")

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
    "rest_framework.authtoken",
    "django_filters",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "csp",
    "servicecenter",
    "staff",
    "residents",
    "tickets",
    "billing",
    "renovations",
    "moveins",
    "frontdesk",
    "relations",
    "dashboards",
    "axes",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "csp.middleware.CSPMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "servicecenter.middleware.NoStoreMiddleware",
    "servicecenter.middleware.BrowsableApiStylesMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "servicecenter.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "servicecenter.urls"
WSGI_APPLICATION = "servicecenter.wsgi.application"
ASGI_APPLICATION = "servicecenter.asgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "servicecenter.context_processors.navigation",
            ],
        },
    },
]

# --- Database -------------------------------------------------------------------------------
SQLITE_PATH = VAR_DIR / "db.sqlite3"
DATABASES = {
    "default": dj_database_url.parse(
        os.environ.get("DATABASE_URL", f"sqlite:///{SQLITE_PATH}"),
        conn_max_age=int(os.environ.get("DB_CONN_MAX_AGE", "60")),
        conn_health_checks=True,
    )
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # WAL lets readers proceed during a write; IMMEDIATE takes the write lock when a transaction
    # starts instead of upgrading mid-way, which is what raises "database is locked" under load.
    DATABASES["default"]["CONN_MAX_AGE"] = 0
    DATABASES["default"]["OPTIONS"] = {
        "transaction_mode": "IMMEDIATE",
        "timeout": 20,
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; PRAGMA busy_timeout=20000;",
    }

# A read replica (optional): dashboards, reports and exports read from it (servicecenter.replica);
# writes, and every read outside those, stay on the primary. In tests it mirrors the primary.
if os.environ.get("DATABASE_REPLICA_URL"):
    DATABASES["replica"] = dj_database_url.parse(
        os.environ["DATABASE_REPLICA_URL"],
        conn_max_age=int(os.environ.get("DB_CONN_MAX_AGE", "60")),
        conn_health_checks=True,
    )
    DATABASES["replica"]["TEST"] = {"MIRROR": "default"}
    if DATABASES["replica"]["ENGINE"] == "django.db.backends.sqlite3":
        DATABASES["replica"]["CONN_MAX_AGE"] = 0
READ_REPLICA = "replica" if os.environ.get("DATABASE_REPLICA_URL") else None
DATABASE_ROUTERS = ["servicecenter.replica.ReplicaRouter"]

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# --- Cache (rate limits, throttles) ----------------------------------------------------------
REDIS_URL = os.environ.get("REDIS_URL", "")
if os.environ.get("CACHE_URL", REDIS_URL):
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": os.environ.get("CACHE_URL", REDIS_URL),
            # A hung Redis (accepts the connection, never answers) must cost a request a second,
            # not 5 s per command (redis-py 8's default; older ones wait forever). Callers treat
            # errors as "down" (the desk ID check then refuses, see residents.services).
            "OPTIONS": {"socket_timeout": 1, "socket_connect_timeout": 1},
        }
    }
else:
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.filebased.FileBasedCache",
            "LOCATION": str(VAR_DIR / "cache"),
        }
    }

# --- Auth ------------------------------------------------------------------------------------
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "login"

# --- Login throttling (django-axes), client IP, API tokens -----------------------------------
# Why these three limits, and how locks end: servicecenter/login_throttle.py.
LOGIN_FAILURE_LIMIT = int(os.environ.get("LOGIN_FAILURE_LIMIT", "5"))  # per username + client IP
LOGIN_IP_FAILURE_LIMIT = int(os.environ.get("LOGIN_IP_FAILURE_LIMIT", str(4 * LOGIN_FAILURE_LIMIT)))
LOGIN_USER_FAILURE_LIMIT = int(os.environ.get("LOGIN_USER_FAILURE_LIMIT", str(4 * LOGIN_FAILURE_LIMIT)))
LOGIN_LOCKOUT_MINUTES = int(os.environ.get("LOGIN_LOCKOUT_MINUTES", "30"))
# Reverse proxies whose X-Forwarded-For is believed (IPs or CIDRs); empty: the header is ignored.
TRUSTED_PROXIES = env_list("TRUSTED_PROXIES", "")
API_TOKEN_TTL_DAYS = int(os.environ.get("API_TOKEN_TTL_DAYS", "30"))
# The resident portal also takes a mobile number as the login (residents/backends.py).
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    # ModelBackend loading the session's user with its stamp (servicecenter.usercache).
    "servicecenter.authentication.StampedModelBackend",
    "residents.backends.MobileBackend",
]
AXES_HANDLER = "servicecenter.login_throttle.LoginThrottleHandler"
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"], "ip_address", "username"]
AXES_FAILURE_LIMIT = LOGIN_FAILURE_LIMIT
AXES_COOLOFF_TIME = "servicecenter.login_throttle.lockout_period"
AXES_RESET_COOL_OFF_ON_FAILURE_DURING_LOCKOUT = False
AXES_CLIENT_IP_CALLABLE = "servicecenter.net.client_ip"
AXES_LOCKOUT_CALLABLE = "servicecenter.login_throttle.lockout_response"
AXES_ENABLE_ADMIN = False  # staff/admin.py registers the attempts, scoped to the manager's estates

# --- i18n / time -----------------------------------------------------------------------------
LANGUAGE_CODE = os.environ.get("LANGUAGE_CODE", "zh-hans")
LANGUAGES = [("zh-hans", "简体中文"), ("en", "English")]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = os.environ.get("TIME_ZONE", "Asia/Shanghai")
USE_I18N = True
USE_TZ = True

# --- Static and uploaded files ---------------------------------------------------------------
STATIC_URL = "/static/"
STATIC_ROOT = Path(os.environ.get("STATIC_ROOT", BASE_DIR / "staticfiles"))
STATICFILES_DIRS = [BASE_DIR / "static"]
STORAGES = {
    # Uploads are private: never under STATIC_URL, and no MEDIA_URL route exists. They are
    # streamed by views that check the viewer's permission on the owning object.
    "default": {
        "BACKEND": "django.core.files.storage.FileSystemStorage",
        "OPTIONS": {"location": os.environ.get("PRIVATE_MEDIA_ROOT", str(VAR_DIR / "private-media"))},
    },
    "staticfiles": {
        "BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"
        if not DEBUG
        else "django.contrib.staticfiles.storage.StaticFilesStorage"
    },
}
UPLOAD_MAX_BYTES = int(os.environ.get("UPLOAD_MAX_BYTES", str(10 * 1024 * 1024)))
DATA_UPLOAD_MAX_MEMORY_SIZE = UPLOAD_MAX_BYTES + 1024 * 1024
# Uploaded pictures are decoded and re-encoded; larger ones are refused before decoding.
UPLOAD_MAX_IMAGE_PIXELS = int(os.environ.get("UPLOAD_MAX_IMAGE_PIXELS", str(40_000_000)))

# --- Encryption of personal data at rest -----------------------------------------------------
# FIELD_ENCRYPTION_KEY: 32 bytes, urlsafe base64 (see README for how to make one). ID_HASH_KEY
# keys the HMAC used for exact-match lookups. Development falls back to keys derived from
# SECRET_KEY; the deploy check refuses that in production.
FIELD_ENCRYPTION_KEY = os.environ.get("FIELD_ENCRYPTION_KEY", "")
ID_HASH_KEY = os.environ.get("ID_HASH_KEY", "")

# --- Security (production) -------------------------------------------------------------------
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT", not DEBUG)
SESSION_COOKIE_SECURE = env_bool("SESSION_COOKIE_SECURE", not DEBUG)
CSRF_COOKIE_SECURE = env_bool("CSRF_COOKIE_SECURE", not DEBUG)
SECURE_HSTS_SECONDS = int(os.environ.get("SECURE_HSTS_SECONDS", "0" if DEBUG else "31536000"))
SECURE_HSTS_INCLUDE_SUBDOMAINS = not DEBUG
SECURE_HSTS_PRELOAD = not DEBUG
SECURE_CONTENT_TYPE_NOSNIFF = True
X_FRAME_OPTIONS = "DENY"
SECURE_REDIRECT_EXEMPT = [r"^healthz$"]

# --- Content Security Policy -----------------------------------------------------------------
# django-csp 4 sends this on every response. Scripts and style sheets come from our own static
# files only; no inline <script>, on*= handler or <style> is allowed, except where a template
# marks one with the per-request nonce ({{ request.csp_nonce }}: only the Swagger UI page does).
# Style attributes (style="...") are refused too, except on DRF's browsable API pages
# (servicecenter.middleware.BrowsableApiStylesMiddleware says why). data: images are the admin's
# and Swagger UI's inline SVG icons.
from csp.constants import NONCE as CSP_NONCE  # noqa: E402 (kept beside its only use)
from csp.constants import NONE as CSP_NONE  # noqa: E402
from csp.constants import SELF as CSP_SELF  # noqa: E402

CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [CSP_SELF],
        "script-src": [CSP_SELF, CSP_NONCE],
        "style-src": [CSP_SELF, CSP_NONCE],
        "img-src": [CSP_SELF, "data:"],
        "font-src": [CSP_SELF],
        "connect-src": [CSP_SELF],
        "object-src": [CSP_NONE],
        "base-uri": [CSP_SELF],
        "frame-ancestors": [CSP_NONE],
        "form-action": [CSP_SELF],
    }
}

# --- REST framework --------------------------------------------------------------------------
REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "servicecenter.authentication.SessionAuthentication",
        "servicecenter.authentication.ExpiringTokenAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    # JSON with depth, size and NaN limits; form and multipart parsers as DRF has them.
    "DEFAULT_PARSER_CLASSES": [
        "servicecenter.parsers.StrictJSONParser",
        "rest_framework.parsers.FormParser",
        "rest_framework.parsers.MultiPartParser",
    ],
    "DEFAULT_PAGINATION_CLASS": "servicecenter.api.StandardPagination",
    "PAGE_SIZE": 25,
    "DEFAULT_FILTER_BACKENDS": [
        "django_filters.rest_framework.DjangoFilterBackend",
        "servicecenter.ordering.SafeOrderingFilter",
    ],
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "EXCEPTION_HANDLER": "servicecenter.api.exception_handler",
    "COERCE_DECIMAL_TO_STRING": True,
}
SPECTACULAR_SETTINGS = {
    "TITLE": "servicecenter API",
    "DESCRIPTION": "Property-management customer service centre: archive, tickets, billing, renovations.",
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    # Served from our own static files: the deployment may have no internet access.
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    # With every endpoint expanded (150+ paths) Swagger UI draws only the first few tags before a
    # reader scrolls; collapsed tags with deep links draw all of them at once.
    "SWAGGER_UI_SETTINGS": {"deepLinking": True, "docExpansion": "none"},
    "REDOC_DIST": "SIDECAR",
    # Choice sets used by several apps get one name each (otherwise: collision warnings).
    "ENUM_NAME_OVERRIDES": {
        "EstateKindEnum": "residents.models.Estate.Kind",
        "NoticeStatusEnum": "relations.models.Notice.Status",
        "CommunityEventStatusEnum": "relations.models.CommunityEvent.Status",
        "SurveyStatusEnum": "relations.models.Survey.Status",
        "SurveyQuestionKindEnum": "relations.models.QuestionKind",
        "UnitUseEnum": "residents.models.Unit.Use",
        "UnitStateEnum": "residents.models.Unit.State",
        "OccupancyRoleEnum": "residents.models.Occupancy.Role",
        "AccessLogActionEnum": "residents.models.SensitiveAccessLog.Action",
        "AccessLogPurposeEnum": "residents.models.SensitiveAccessLog.Purpose",
        "TeamKindEnum": "staff.models.Team.Kind",
        "IncidentKindEnum": "staff.models.IncidentKind",
        "RectificationOrderStatusEnum": "staff.models.RectificationOrder.Status",
        "ShiftHandoverStatusEnum": "staff.models.ShiftHandover.Status",
        "AttendanceRecordStatusEnum": "staff.models.AttendanceRecord.Status",
        "ChargeItemKindEnum": "billing.models.ChargeItem.Kind",
        "BillStatusEnum": "billing.models.Bill.Status",
        "PaymentStatusEnum": "billing.models.Payment.Status",
        "PaymentMethodEnum": "billing.models.PaymentMethod",
        "PaymentOrderStatusEnum": "billing.models.PaymentOrder.Status",
        "TicketKindEnum": "tickets.models.Ticket.Kind",
        "TicketStatusEnum": "tickets.models.Ticket.Status",
        "TicketChannelEnum": "tickets.models.Ticket.Channel",
        "ReplyChannelEnum": "tickets.models.ReplyChannel",
        "CallbackMethodEnum": "tickets.models.Callback.Method",
        "PassKindEnum": "residents.models.Pass.Kind",
        "ManualPassKindEnum": "residents.api.serializers.MANUAL_PASS_KINDS",
        "RenovationStatusEnum": "renovations.models.Renovation.Status",
        "RenovationChargeKindEnum": "renovations.models.RenovationCharge.Kind",
        "RenovationDocumentKindEnum": "renovations.models.RenovationDocument.Kind",
        "RenovationUploadKindEnum": "renovations.api.serializers.UPLOAD_KINDS",
        "ScopeItemAreaEnum": "renovations.models.ScopeItem.Area",
        "InspectionKindEnum": "renovations.models.Inspection.Kind",
        "InspectionResultEnum": "renovations.models.Inspection.Result",
        "PatrolResultEnum": "renovations.models.Patrol.Result",
        "ViolationKindEnum": "renovations.models.Violation.Kind",
        "ViolationSourceEnum": "renovations.models.Violation.Source",
        "ViolationStatusEnum": "renovations.models.Violation.Status",
        "RefundMethodEnum": "renovations.api.serializers.REFUND_METHODS",
        "VisitorStatusEnum": "frontdesk.models.Visitor.Status",
        "LostItemStatusEnum": "frontdesk.models.LostItem.Status",
        "ParcelStatusEnum": "frontdesk.models.Parcel.Status",
        "KeyCustodyStatusEnum": "frontdesk.models.KeyCustody.Status",
        "KeyMovementDirectionEnum": "frontdesk.models.KeyMovement.Direction",
        "InvoiceRequestStatusEnum": "frontdesk.models.InvoiceRequest.Status",
        "InvoiceRequestChannelEnum": "frontdesk.models.InvoiceRequest.Channel",
        "KnowledgeTopicEnum": "frontdesk.models.KnowledgeEntry.Topic",
        "KnowledgeKindEnum": "frontdesk.models.KnowledgeEntry.Kind",
        "KnowledgeLanguageEnum": "frontdesk.models.KnowledgeEntry.Language",
        "MoveOutKindEnum": "frontdesk.models.MoveOut.Kind",
        "MoveOutStatusEnum": "frontdesk.models.MoveOut.Status",
        "MoveInStatusEnum": "moveins.models.MoveIn.Status",
        "MoveInChecklistSectionEnum": "moveins.models.ChecklistItemTemplate.Section",
        "MoveInChargeKindEnum": "moveins.models.ChargeRule.Kind",
        "MoveInInspectionResultEnum": "moveins.models.Inspection.Result",
        "DefectResponsibleEnum": "moveins.models.Defect.Responsible",
        "SpotCheckResultEnum": "moveins.models.SpotCheck.Result",
        "VisitChannelEnum": "relations.models.Visit.Channel",
        "FollowUpKindEnum": "relations.api.visits.FOLLOW_UP_KIND_CHOICES",
        "DueSortEnum": "relations.api.visits.DUE_SORT_CHOICES",
    },
}

# --- Celery ----------------------------------------------------------------------------------
# Without a broker URL the worker and the app exchange messages through files under var/, so
# `make run` needs no server. The database stays the source of truth for scheduled work:
# periodic sweeps find due work from database state, so a lost message is only a delay.
CELERY_BROKER_URL = os.environ.get("CELERY_BROKER_URL", REDIS_URL or "filesystem://")
CELERY_BROKER_TRANSPORT_OPTIONS = (
    {
        "data_folder_in": str(VAR_DIR / "broker" / "out"),
        "data_folder_out": str(VAR_DIR / "broker" / "out"),
        "processed_folder": str(VAR_DIR / "broker" / "processed"),
        "control_folder": str(VAR_DIR / "broker" / "control"),
        "store_processed": False,
    }
    if CELERY_BROKER_URL.startswith("filesystem")
    else {
        "max_retries": 1,
        "interval_start": 0,
        "interval_step": 0.2,
        "interval_max": 0.5,
        # Kombu passes no socket timeout to redis-py by default, so a hung Redis (the TCP connect
        # succeeds, no reply ever comes) blocks a publish for good; with these an attempt costs
        # at most ~2 s (a timed-out ping, then one more on reconnect).
        # Consumers are unaffected: BRPOP waits 1 s (brpop_timeout) and is checked separately.
        "socket_timeout": 1,
        "socket_connect_timeout": 1,
        # Tasks are acked late, so a message taken by a worker that dies stays "unacked" until
        # this many seconds pass, then Redis hands it out again. Kombu's default is one hour.
        # 600 s is 20x the longest task (reminder ladder ~30 s, bills for 50k units ~15 s): the
        # work of a killed worker is redelivered within ~12 minutes (600 s plus kombu's restore
        # sweep, ~100 s), and a slow task is not handed to a second worker while it still runs.
        # Every task is idempotent, so a redelivery is only wasted work. Raise this before
        # adding a task that runs longer, or one queued with a countdown/eta beyond it.
        "visibility_timeout": 600,
    }
)
# Publishing happens in requests (after commit): give up quickly. The worker keeps
# reconnecting forever (broker_connection_retry stays on); only the producer side is bounded.
CELERY_BROKER_CONNECTION_TIMEOUT = 2
CELERY_TASK_PUBLISH_RETRY_POLICY = {
    "max_retries": 1,
    "interval_start": 0,
    "interval_step": 0.2,
    "interval_max": 0.2,
}
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
CELERY_TASK_IGNORE_RESULT = True
CELERY_RESULT_BACKEND = os.environ.get("CELERY_RESULT_BACKEND") or None
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TIMEZONE = TIME_ZONE
CELERY_TASK_ALWAYS_EAGER = env_bool("CELERY_TASK_ALWAYS_EAGER", False)
CELERY_BEAT_SCHEDULE_FILENAME = str(VAR_DIR / "celerybeat-schedule")

# --- KPIs --------------------------------------------------------------------------------------
# The current month's KPI figures (ticket metrics, the dashboard's board) are a snapshot used
# while younger than this, then computed again by the next read or the refresh task (every few
# minutes); the page and the API say "as of" when. Closed months are stored once computed.
KPI_LIVE_MAX_AGE_SECONDS = int(os.environ.get("KPI_LIVE_MAX_AGE_SECONDS", "300"))

# --- Notifications ---------------------------------------------------------------------------
SMS_BACKEND = os.environ.get("SMS_BACKEND", "staff.channels.LoggingBackend")
EMAIL_CHANNEL_BACKEND = os.environ.get("EMAIL_CHANNEL_BACKEND", "staff.channels.LoggingBackend")
QUIET_HOURS = (int(os.environ.get("QUIET_HOURS_START", "21")), int(os.environ.get("QUIET_HOURS_END", "8")))
# Each message is claimed for OUTBOUND_LEASE_SECONDS (longer than any gateway timeout); a failed
# send waits 1, 2, 4 ... minutes, at most OUTBOUND_RETRY_MAX_SECONDS, for OUTBOUND_MAX_ATTEMPTS
# tries (30 with these defaults is about 24 hours), then fails and rings the estate's managers.
OUTBOUND_LEASE_SECONDS = int(os.environ.get("OUTBOUND_LEASE_SECONDS", "300"))
OUTBOUND_RETRY_BASE_SECONDS = int(os.environ.get("OUTBOUND_RETRY_BASE_SECONDS", "60"))
OUTBOUND_RETRY_MAX_SECONDS = int(os.environ.get("OUTBOUND_RETRY_MAX_SECONDS", "3600"))
OUTBOUND_MAX_ATTEMPTS = int(os.environ.get("OUTBOUND_MAX_ATTEMPTS", "30"))
EMAIL_TIMEOUT = int(os.environ.get("EMAIL_TIMEOUT", "20"))  # seconds; well inside the lease
EMAIL_BACKEND = os.environ.get("EMAIL_BACKEND", "django.core.mail.backends.console.EmailBackend")
DEFAULT_FROM_EMAIL = os.environ.get("DEFAULT_FROM_EMAIL", "servicecenter@localhost")

# --- Domain knobs ----------------------------------------------------------------------------
ID_VERIFY_RATE_LIMIT = int(os.environ.get("ID_VERIFY_RATE_LIMIT", "10"))  # checks per user per 10 minutes
# Intake suggestions learn from an estate's finished tickets once it has this many of them (in at
# least two categories); before that they fall back on the categories' keywords. At most
# TICKET_SUGGESTION_MAX_HISTORY of the latest are learnt from, so the nightly training stays short.
TICKET_SUGGESTION_MIN_HISTORY = int(os.environ.get("TICKET_SUGGESTION_MIN_HISTORY", "50"))
TICKET_SUGGESTION_MAX_HISTORY = int(os.environ.get("TICKET_SUGGESTION_MAX_HISTORY", "20000"))

# Online payment (billing/gateway/__init__.py says how a real adapter plugs in). The default is the
# built-in simulator: no real money. Its notifications are signed with PAYMENT_SIMULATOR_SECRET.
PAYMENT_GATEWAY = os.environ.get("PAYMENT_GATEWAY", "billing.gateway.simulator.SimulatorGateway")
PAYMENT_SIMULATOR_SECRET = os.environ.get("PAYMENT_SIMULATOR_SECRET", "simulator-dev-secret")
# The simulator delivers its notification itself when the payer pays (tests may post it instead).
PAYMENT_SIMULATOR_AUTO_NOTIFY = env_bool("PAYMENT_SIMULATOR_AUTO_NOTIFY", True)
# The public origin the gateway posts notifications to, e.g. https://sc.example.com.
PAYMENT_NOTIFY_BASE_URL = os.environ.get("PAYMENT_NOTIFY_BASE_URL", "")
PAYMENT_ORDER_EXPIRES_MINUTES = int(os.environ.get("PAYMENT_ORDER_EXPIRES_MINUTES", "30"))
# The sweep asks the gateway about orders pending longer than this (a lost notification).
PAYMENT_QUERY_AFTER_MINUTES = int(os.environ.get("PAYMENT_QUERY_AFTER_MINUTES", "5"))

# `make bench` measures every page as a ratio to a floor view (/bench/floor/: authenticates the
# user and runs one query). Mounted only when this is on; off in production, where it is a 404.
BENCH_FLOOR_VIEW = env_bool("BENCH_FLOOR_VIEW", False)

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain"}},
    "root": {"handlers": ["console"], "level": os.environ.get("LOG_LEVEL", "INFO")},
    "loggers": {"django.db.backends": {"level": "INFO"}},
}

VAR_DIR.mkdir(parents=True, exist_ok=True)
for _folder in (
    CELERY_BROKER_TRANSPORT_OPTIONS.get("data_folder_in"),
    CELERY_BROKER_TRANSPORT_OPTIONS.get("processed_folder"),
    CELERY_BROKER_TRANSPORT_OPTIONS.get("control_folder"),
):
    if _folder:
        Path(_folder).mkdir(parents=True, exist_ok=True)
