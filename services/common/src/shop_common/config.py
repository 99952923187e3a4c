"""Settings from `SHOP_`-prefixed environment variables, declared once and read once at start-up.

A service lists its settings as `Setting`s next to the kit's `COMMON`; `load_settings` reads them all,
casts them, and stops start-up with one message that names every missing or malformed setting.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path
from types import MappingProxyType
from typing import Any

PREFIX = "SHOP_"


class SettingsError(SystemExit):
    """Start-up cannot go on: a required setting is missing or a value is malformed.

    It is a `SystemExit`, so a CLI, `flask run` or gunicorn's master prints the message and exits
    non-zero instead of showing a traceback.
    """

    def __init__(self, service: str, problems: list[str]):
        self.problems = problems
        lines = "\n".join(f"  - {p}" for p in problems)
        super().__init__(f"{service}: cannot start, fix these settings:\n{lines}")


def as_bool(raw: str) -> bool:
    """Parse the usual spellings of a boolean; anything else is an error."""
    value = raw.strip().lower()
    if value in {"1", "true", "yes", "on"}:
        return True
    if value in {"0", "false", "no", "off", ""}:
        return False
    raise ValueError(f"expected true or false, got {raw!r}")


def as_list(raw: str) -> tuple[str, ...]:
    """Comma-separated list, blanks dropped."""
    return tuple(item.strip() for item in raw.split(",") if item.strip())


def one_of(*choices: str) -> Callable[[str], str]:
    """Cast that accepts only the given choices."""

    def cast(raw: str) -> str:
        if raw not in choices:
            raise ValueError(f"expected one of {', '.join(choices)}, got {raw!r}")
        return raw

    return cast


def positive_int(raw: str) -> int:
    value = int(raw)
    if value <= 0:
        raise ValueError(f"expected a positive whole number, got {raw!r}")
    return value


def port(raw: str) -> int:
    value = int(raw)
    if not 0 < value < 65536:
        raise ValueError(f"expected a TCP port (1-65535), got {raw!r}")
    return value


def positive_float(raw: str) -> float:
    value = float(raw)
    if not value > 0:
        raise ValueError(f"expected a positive number, got {raw!r}")
    return value


def base_url(raw: str) -> str:
    """An http(s) URL with a host, without its trailing slash."""
    from urllib.parse import urlsplit

    parts = urlsplit(raw.strip())
    if parts.scheme not in ("http", "https") or not parts.netloc or parts.query or parts.fragment:
        raise ValueError(f"expected an http(s) URL such as https://shop.example, got {raw!r}")
    return raw.strip().rstrip("/")


@dataclass(frozen=True)
class Setting:
    """One setting: `SHOP_<name>` in the environment.

    `default` is a string parsed by `cast` like an environment value would be. `secret` settings can also
    be given as a file, `SHOP_<name>_FILE` (Kubernetes and Docker secrets), and are never printed.
    `dev_default`, when given, computes a value in development (`SHOP_ENV=development`) only: that is how
    a development key pair appears without ever having a default in production.
    """

    name: str
    help: str
    default: str | None = None
    required: bool = False
    cast: Callable[[str], Any] = str
    secret: bool = False
    dev_default: Callable[[Mapping[str, Any]], str] | None = None
    shown_default: str | None = None  # how the README shows a default computed at start-up

    @property
    def env(self) -> str:
        return PREFIX + self.name


def _repo_var_dir() -> str:
    # services/common/src/shop_common/config.py -> the checkout's var/ (only meaningful in a checkout)
    return str(Path(__file__).resolve().parents[4] / "var")


COMMON: tuple[Setting, ...] = (
    Setting("ENV", "deployment kind: production, development or test", "production",
            cast=one_of("production", "development", "test")),
    Setting("DATABASE_URL", "URL of this service's own Postgres database", required=True, secret=True),
    Setting("REDIS_URL", "URL of the Redis database (cache, throttling, token revocation, queues)",
            required=True, secret=True),
    Setting("JWT_ALGORITHM", "the one JWT algorithm accepted", "ES256", cast=one_of("ES256", "RS256")),
    Setting("JWT_PUBLIC_KEY", "PEM public key that verifies access tokens", required=True, secret=True,
            dev_default=lambda s: dev_keys(s).public_pem),
    Setting("JWT_ISSUER", "`iss` of every token", "shop-users"),
    Setting("JWT_AUDIENCE", "`aud` of every token", "shop"),
    Setting("LOG_LEVEL", "log level", "INFO", cast=one_of("DEBUG", "INFO", "WARNING", "ERROR")),
    Setting("LOG_FORMAT", "json (one object a line) or text (for a terminal)", "json",
            cast=one_of("json", "text")),
    Setting("SHOP_URL", "public URL of the shop (its gateway, as shoppers reach it): the links in answers "
            "(next, previous, redirects) and in emails, whatever Host a request names", "http://localhost:8000",
            cast=base_url),
    Setting("TRUSTED_PROXIES", "how many proxies in front set X-Forwarded-For (the gateway is one)", "0",
            cast=int),
    Setting("CORS_ORIGINS", "comma-separated origins allowed by CORS (empty: same origin only)", "",
            cast=as_list),
    Setting("MAX_BODY_BYTES", "largest request body accepted", str(1024 * 1024), cast=positive_int),
    Setting("VAR_DIR", "development data folder (keys, embedded servers, mail)", _repo_var_dir(),
            shown_default="var/ in the checkout"),
    Setting("DB_POOL_SIZE", "database connections kept per worker process", "5", cast=positive_int),
    Setting("DB_STATEMENT_TIMEOUT_MS", "longest a single SQL statement may run", "5000", cast=positive_int),
    Setting("REDIS_TIMEOUT", "seconds to wait for Redis before treating it as down", "0.5",
            cast=positive_float),
    Setting("BACKGROUND", "run background work (outbox relay, repairs, expiry) in a thread of each process",
            "true", cast=as_bool),
)


#: read by `shop_common.gunicorn_conf` before the app is loaded
SERVER: tuple[Setting, ...] = (
    Setting("HOST", "address gunicorn listens on", "0.0.0.0"),  # noqa: S104
    Setting("PORT", "port gunicorn listens on", "8000", cast=port),
    Setting("WORKERS", "gunicorn worker processes", "2", cast=positive_int),
    Setting("THREADS", "threads per worker", "4", cast=positive_int),
    Setting("TIMEOUT", "seconds a request may take before its worker is restarted", "30", cast=positive_int),
    Setting("GRACEFUL_TIMEOUT", "seconds in-flight requests get to finish after SIGTERM", "20",
            cast=positive_int),
    Setting("KEEPALIVE", "seconds an idle keep-alive connection stays open", "5", cast=positive_int),
    Setting("FORWARDED_ALLOW_IPS", "proxies whose X-Forwarded-* headers gunicorn trusts", "127.0.0.1"),
)


def dev_keys(settings: Mapping[str, Any]):
    """The development key pair under `VAR_DIR`, for settings that have no value in development."""
    from shop_common.keys import dev_keypair

    return dev_keypair(Path(settings["VAR_DIR"]) / "keys", settings["JWT_ALGORITHM"])


def _raw_value(setting: Setting, environ: Mapping[str, str]) -> str | None:
    if setting.env in environ:
        return environ[setting.env]
    if setting.secret and (path := environ.get(setting.env + "_FILE")):
        try:
            return Path(path).read_text().strip()
        except OSError as exc:
            raise ValueError(f"cannot read {setting.env}_FILE={path}: {exc.strerror}") from exc
    return None


def load_settings(
    service: str,
    specs: Iterable[Setting],
    environ: Mapping[str, str] | None = None,
    overrides: Mapping[str, Any] | None = None,
) -> Mapping[str, Any]:
    """Read, cast and check every setting; return them as a read-only mapping keyed without the prefix.

    `overrides` (already typed values, keyed without the prefix) win over the environment; tests use them.
    Raises `SettingsError` naming every missing or malformed setting at once.
    """
    environ = os.environ if environ is None else environ
    overrides = dict(overrides or {})
    specs = list(specs)
    values: dict[str, Any] = {}
    problems: list[str] = []
    deferred: list[Setting] = []
    for spec in specs:
        if spec.name in overrides:
            values[spec.name] = overrides.pop(spec.name)
            continue
        try:
            raw = _raw_value(spec, environ)
            if spec.required and raw is not None and not raw.strip():
                raw = None  # `SHOP_X=` (an unset variable in a compose file, an empty secret) is missing
            if raw is None and spec.dev_default is not None:
                deferred.append(spec)
                continue
            if raw is None and spec.required:
                problems.append(f"{spec.env} is required: {spec.help}")
                continue
            raw = spec.default if raw is None else raw
            values[spec.name] = None if raw is None else spec.cast(raw)
        except ValueError as exc:
            problems.append(f"{spec.env}: {exc}")
    for spec in deferred:  # they may depend on ENV, VAR_DIR... read above
        if values.get("ENV") == "development":
            if not problems:  # else not missing, but nothing is made for a process that will not start
                values[spec.name] = spec.cast(spec.dev_default(values))
        elif spec.required:
            problems.append(f"{spec.env} is required: {spec.help}")
        else:
            values[spec.name] = None
    if overrides:
        problems.append(f"unknown settings overridden: {', '.join(sorted(overrides))}")
    if problems:
        raise SettingsError(service, problems)
    return MappingProxyType(values)


def describe(specs: Iterable[Setting]) -> list[dict[str, str]]:
    """The settings as rows (name, default, required, meaning): the README's table is made from this."""
    return [
        {
            "name": s.env,
            "default": s.shown_default or s.default or "",
            "required": "yes" if s.required and s.dev_default is None else
            ("yes, except in development" if s.required else ""),
            "help": s.help + (f" (or `{s.env}_FILE`)" if s.secret else ""),
        }
        for s in specs
    ]
