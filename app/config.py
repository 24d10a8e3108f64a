"""Settings, read from the environment with the prefix MODELATLAS_.

Every setting is declared once here with its default and help text; the
README's configuration table is checked against this class by a test.
"""

from typing import Literal
from urllib.parse import urlsplit

from pydantic import Field, SecretStr, field_validator, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

DEFAULT_SECRET_KEY = "change-me-development-only"  # noqa: S105 - the sentinel that is refused
# token_urlsafe(32) gives 43 characters; 32 bytes keep HMAC keys out of brute-force reach.
MIN_SECRET_KEY_BYTES = 32


class Settings(BaseSettings):
    """Runtime configuration of one Model Atlas process."""

    model_config = SettingsConfigDict(env_prefix="MODELATLAS_", extra="ignore")

    environment: Literal["development", "test", "production"] = Field(
        "development",
        description="development, test or production; production refuses the default secret key.",
    )
    database_url: str = Field(
        "sqlite:///modelatlas.db",
        description="SQLAlchemy URL. SQLite file in the working directory by default; "
        "postgresql+psycopg://user@host/db for PostgreSQL.",
    )
    secret_key: str = Field(
        DEFAULT_SECRET_KEY,
        description="Secret for signing tokens. Must be set outside development and test.",
    )
    log_level: str = Field("INFO", description="Python logging level for the app's loggers.")
    database_max_concurrency: int = Field(
        8,
        ge=1,
        le=200,
        description="Requests that may use the database at once in one process; more wait "
        "their turn (see the next setting). The connection pool holds twice as many.",
    )
    database_queue_timeout_seconds: float = Field(
        5.0,
        gt=0,
        le=120,
        description="How long a request waits for its turn at the database before it is "
        "answered 503 with Retry-After.",
    )
    database_connect_timeout_seconds: float = Field(
        5.0,
        gt=0,
        le=120,
        description="Longest wait to open a PostgreSQL connection, in seconds.",
    )
    database_statement_timeout_seconds: float = Field(
        15.0,
        ge=0,
        description="Longest a web request's single PostgreSQL statement may run, in seconds "
        "(0 for no limit); jobs (import, refresh) are not limited.",
    )
    database_lock_timeout_seconds: float = Field(
        5.0,
        gt=0,
        le=600,
        description="Longest a web request waits for a lock another transaction holds: "
        "PostgreSQL's lock_timeout and SQLite's busy timeout, in seconds.",
    )
    auto_populate: bool = Field(
        True,
        description="On `serve`, seed and import genai-prices, models.dev into an empty catalog.",
    )
    page_size: int = Field(50, ge=5, le=200, description="Models per catalog page.")
    public_url: str = Field(
        "",
        description="The site's public address (https://atlas.example.com): absolute links "
        "(feeds) and the cross-site check use it instead of each request's Host header; "
        "empty to trust the Host header.",
    )
    workload_presets_file: str = Field(
        "",
        description="TOML file of the cost calculator's workload presets; empty for the "
        "bundled app/data/workload_presets.toml. Read at start.",
    )
    hf_base_url: str = Field(
        "https://huggingface.co",
        description="Base URL of the Hugging Face Hub, read for open-weight models' "
        "downloads and likes.",
    )
    hf_token: str = Field(
        "",
        description="Optional Hugging Face access token (higher rate limits); empty for none.",
    )
    hf_timeout_seconds: float = Field(
        10.0, gt=0, le=120, description="Timeout of one Hugging Face Hub request, in seconds."
    )
    session_idle_timeout_hours: int = Field(
        168, ge=1, description="A sign-in ends after this many hours without a request."
    )
    session_absolute_timeout_hours: int = Field(
        720, ge=1, description="A sign-in ends this many hours after it began, active or not."
    )
    max_request_bytes: int = Field(
        256 * 1024,
        ge=1024,
        description="Largest request body accepted, in bytes; larger ones get 413.",
    )
    replay_max_bytes: int = Field(
        20_000_000,
        ge=1024,
        description="Largest usage log the usage replay (/replay) reads, in bytes; a larger "
        "one gets 413. Only /replay accepts a body this large.",
    )
    replay_max_rows: int = Field(
        500_000,
        ge=1,
        description="Most usage rows (lines) the usage replay reads; more get 413.",
    )
    forwarded_allow_ips: str = Field(
        "",
        description="Addresses of the reverse proxies whose X-Forwarded-For and "
        "X-Forwarded-Proto headers are believed (comma-separated IPs or networks, * for any); "
        "empty believes no one and uses the connecting address.",
    )
    password_check_concurrency: int = Field(
        2,
        ge=1,
        le=64,
        description="Password hashes computed at once (each takes 64 MiB for a moment); "
        "sign-ins beyond wait their turn.",
    )
    rate_limit_storage_url: str = Field(
        "memory://",
        description="Where rate-limit counters live (`limits` storage URL): memory:// for one "
        "process, redis://host:6379 when several processes share the limits.",
    )
    rate_limit_login_failures_per_account: str = Field(
        "10/15 minutes", description="Failed sign-ins allowed per email address."
    )
    rate_limit_login_failures_per_ip: str = Field(
        "10/15 minutes", description="Failed sign-ins allowed per client IP address."
    )
    rate_limit_signups_per_ip: str = Field(
        "20/hour", description="Accounts that one client IP address may create."
    )
    rate_limit_comments_per_user: str = Field(
        "30/hour", description="Comments one account may post or edit."
    )
    rate_limit_ratings_per_user: str = Field(
        "60/hour", description="Ratings one account may submit."
    )
    rate_limit_workloads_per_user: str = Field(
        "30/hour", description="Workloads one account may save or rename."
    )
    rate_limit_watches_per_user: str = Field(
        "120/hour",
        description="Watches, feed addresses and webhook changes one account may make.",
    )
    rate_limit_exports_per_ip: str = Field(
        "60/hour",
        description="Full downloads of `/api/v1/export` one client IP address may make; a "
        "revalidation answered 304 Not Modified does not count.",
    )
    rate_limit_model_lists_per_ip: str = Field(
        "20/minute;240/hour",
        description="Full answers of `/api/v1/models` (every model, read and written out anew "
        "each time) one client IP address may get; a revalidation answered 304 Not Modified "
        "does not count.",
    )

    webhooks_allow_loopback: bool = Field(
        False,
        description="Let webhooks post to loopback addresses (127.0.0.1, ::1) and over plain "
        "http://, for tests and local receivers; private, link-local and other non-public "
        "addresses stay refused.",
    )
    webhook_timeout_seconds: float = Field(
        5.0, gt=0, le=60, description="Timeout of one webhook delivery attempt, in seconds."
    )
    webhook_max_attempts: int = Field(
        6, ge=1, le=20, description="Attempts per webhook delivery, the first included."
    )
    webhook_retry_base_seconds: float = Field(
        60.0,
        ge=0,
        le=86_400,
        description="Wait before a failed delivery's second attempt; each later wait doubles.",
    )
    webhook_disable_after_failures: int = Field(
        5,
        ge=1,
        le=1000,
        description="Failed attempts in a row after which a webhook is disabled (its owner "
        "sees why and may enable it again).",
    )

    openrouter_base_url: str = Field(
        "https://openrouter.ai/api/v1",
        description="Base URL of the OpenRouter API that `modelatlas refresh` reads metrics "
        "and prices from.",
    )
    openrouter_api_key: SecretStr = Field(
        SecretStr(""),
        description="OpenRouter API key, sent as a bearer token; OpenRouter returns latency "
        "figures only to authenticated calls. Empty: anonymous requests.",
    )
    openrouter_timeout_seconds: float = Field(
        20.0, gt=0, le=300, description="Timeout of one OpenRouter request, in seconds."
    )
    openrouter_concurrency: int = Field(
        4, ge=1, le=32, description="OpenRouter requests in flight at once during a refresh."
    )
    openrouter_max_response_bytes: int = Field(
        20_000_000,
        ge=1024,
        description="Largest OpenRouter answer read, in bytes; a larger one is refused "
        "while it streams in.",
    )
    openrouter_max_attempts: int = Field(
        4, ge=1, le=10, description="Attempts per OpenRouter request, the first included."
    )
    openrouter_max_retry_seconds: float = Field(
        60.0,
        ge=0,
        description="Longest time one OpenRouter request may spend retrying, waits included.",
    )
    refresh_unknown_models: Literal["create", "skip"] = Field(
        "create",
        description="What the refresh does with an upstream model the catalog does not know: "
        "create it (marked discovered) or skip it; either way it is counted.",
    )
    refresh_unknown_providers: Literal["create", "skip"] = Field(
        "create",
        description="What the refresh does with an upstream provider the catalog does not "
        "know: create it or skip its endpoints; either way they are counted.",
    )
    refresh_max_drop_percent: int = Field(
        50,
        ge=0,
        le=100,
        description="The refresh aborts, writing nothing, when the upstream lists this many "
        "percent fewer models or endpoints than the last successful run (100 disables).",
    )
    refresh_interval_minutes: int = Field(
        10,
        ge=1,
        description="How often the metrics refresh is scheduled; figures older than three "
        "intervals are marked stale.",
    )
    refresh_lease_seconds: int = Field(
        90,
        ge=3,
        le=3600,
        description="How long the refresh lock lasts unless renewed; a running refresh renews "
        "it every third of this, so a refresh whose process died blocks the next one at most "
        "this long, and is then shown as died.",
    )
    metrics_retention_days: int = Field(
        90,
        ge=1,
        description="Metric samples older than this many days are merged into hourly rows.",
    )
    page_cache: bool = Field(
        True,
        description="Cache anonymous visitors' model pages (on/off); off renders every request.",
    )
    computed_memo: bool = Field(
        True,
        description="Remember what model pages compute from the database (charts, default cost "
        "estimate, comments, a signed-in visitor's parts) until the next write (on/off); off "
        "computes them on every render.",
    )
    computed_memo_max_age_seconds: float = Field(
        300.0,
        gt=0,
        description="What the computed memo remembers is computed again after this many seconds "
        "even if the content version has not moved (a write made outside the app, such as SQL "
        "typed by hand, does not move it).",
    )
    page_cache_url: str = Field(
        "",
        description="Where the page cache lives: empty for this process's memory, "
        "redis://host:6379 for a cache shared by several processes.",
    )
    page_cache_max_entries: int = Field(
        2000, ge=1, description="Most pages the in-process page cache keeps (least recent go)."
    )
    page_cache_max_bytes: int = Field(
        64 * 1024 * 1024,
        ge=64 * 1024,
        description="Most bytes of pages the page cache keeps in process; also the largest "
        "page it stores in Redis.",
    )
    page_cache_max_age_seconds: float = Field(
        60.0,
        gt=0,
        description="A cached page is rendered again after this many seconds even if nothing "
        "was written (what turns figures stale is the clock alone).",
    )
    page_cache_check_seconds: float = Field(
        1.0,
        ge=0,
        description="How often, at most, the page cache reads the database's content version "
        "to see writes made by other processes.",
    )

    @field_validator("public_url")
    @classmethod
    def _origin_only(cls, value: str) -> str:
        """An origin (scheme, host, optional port) and nothing more: it replaces the request's."""
        if not value:
            return value
        parts = urlsplit(value)
        if (
            parts.scheme not in ("http", "https")
            or not parts.hostname
            or parts.path not in ("", "/")
            or parts.query
            or parts.fragment
            or parts.username is not None
        ):
            raise ValueError(
                "MODELATLAS_PUBLIC_URL must be an origin such as https://atlas.example.com "
                "(no path, query or credentials)"
            )
        return f"{parts.scheme}://{parts.netloc}"

    @model_validator(mode="after")
    def _refuse_weak_secret(self) -> "Settings":
        """Outside development and test, the secret must be set and long enough to guess at."""
        if self.environment in ("development", "test"):
            return self
        problem = None
        if self.secret_key == DEFAULT_SECRET_KEY:
            problem = "must be set to a random value outside development"
        elif len(self.secret_key.encode()) < MIN_SECRET_KEY_BYTES:
            problem = f"must be at least {MIN_SECRET_KEY_BYTES} bytes long outside development"
        if problem:
            raise ValueError(
                f"MODELATLAS_SECRET_KEY {problem} "
                "(for example: python -c 'import secrets; print(secrets.token_urlsafe(32))')"
            )
        return self
