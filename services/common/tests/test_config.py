"""`load_settings`: what a service gets from its environment, and what stops it from starting."""

from __future__ import annotations

import pytest

from shop_common.config import COMMON, Setting, SettingsError, as_bool, load_settings, positive_float
from shop_common.keys import check_key

SPECS = (
    *COMMON,
    Setting("CACHE_ENABLED", "use the cache", "false", cast=as_bool),
    Setting("DISCOUNT_RATE", "share taken off", "0.1", cast=positive_float),
    Setting("PAYMENT_API_KEY", "key of the payment provider", required=True, secret=True),
)

REQUIRED = {
    "SHOP_DATABASE_URL": "postgresql://shop@db/orders",
    "SHOP_REDIS_URL": "redis://cache:6379/0",
    "SHOP_JWT_PUBLIC_KEY": "-----BEGIN PUBLIC KEY-----...",
    "SHOP_PAYMENT_API_KEY": "pk-123",
}


def load(environ: dict[str, str], **overrides):
    return load_settings("orders", SPECS, environ=environ, overrides=overrides)


def refusal(environ: dict[str, str], **overrides) -> SettingsError:
    with pytest.raises(SettingsError) as raised:
        load(environ, **overrides)
    return raised.value


def test_values_are_cast_from_the_environment():
    settings = load({**REQUIRED, "SHOP_MAX_BODY_BYTES": "2048", "SHOP_CORS_ORIGINS": "https://a.test, ,https://b.test",
                     "SHOP_REDIS_TIMEOUT": "0.25", "SHOP_CACHE_ENABLED": "Yes", "SHOP_ENV": "test",
                     "SHOP_TRUSTED_PROXIES": "1"})

    assert settings["MAX_BODY_BYTES"] == 2048
    assert settings["CORS_ORIGINS"] == ("https://a.test", "https://b.test")
    assert settings["REDIS_TIMEOUT"] == 0.25
    assert settings["CACHE_ENABLED"] is True
    assert settings["ENV"] == "test"
    assert settings["TRUSTED_PROXIES"] == 1
    assert settings["DATABASE_URL"] == "postgresql://shop@db/orders"


def test_unset_settings_take_their_defaults_cast_like_a_value():
    settings = load(REQUIRED)

    assert settings["ENV"] == "production"
    assert settings["LOG_LEVEL"] == "INFO"
    assert settings["MAX_BODY_BYTES"] == 1024 * 1024
    assert settings["CORS_ORIGINS"] == ()
    assert settings["CACHE_ENABLED"] is False
    assert settings["DISCOUNT_RATE"] == 0.1
    assert settings["JWT_ALGORITHM"] == "ES256"


def test_the_settings_cannot_be_changed_once_read():
    settings = load(REQUIRED)

    with pytest.raises(TypeError):
        settings["ENV"] = "development"


def test_a_secret_can_be_given_as_a_file(tmp_path):
    secret = tmp_path / "payment-api-key"
    secret.write_text("pk-from-file\n")
    environ = {k: v for k, v in REQUIRED.items() if k != "SHOP_PAYMENT_API_KEY"}

    settings = load({**environ, "SHOP_PAYMENT_API_KEY_FILE": str(secret)})

    assert settings["PAYMENT_API_KEY"] == "pk-from-file"


def test_the_variable_wins_over_its_file(tmp_path):
    secret = tmp_path / "payment-api-key"
    secret.write_text("pk-from-file")

    settings = load({**REQUIRED, "SHOP_PAYMENT_API_KEY_FILE": str(secret)})

    assert settings["PAYMENT_API_KEY"] == "pk-123"


def test_a_setting_that_is_not_secret_is_never_read_from_a_file(tmp_path):
    level = tmp_path / "level"
    level.write_text("DEBUG")

    settings = load({**REQUIRED, "SHOP_LOG_LEVEL_FILE": str(level)})

    assert settings["LOG_LEVEL"] == "INFO"


def test_an_unreadable_secret_file_is_named(tmp_path):
    environ = {k: v for k, v in REQUIRED.items() if k != "SHOP_REDIS_URL"}
    missing = tmp_path / "nowhere"

    error = refusal({**environ, "SHOP_REDIS_URL_FILE": str(missing)})

    assert len(error.problems) == 1
    assert "SHOP_REDIS_URL_FILE" in error.problems[0]
    assert str(missing) in error.problems[0]


def test_overrides_win_over_the_environment_and_stand_in_for_required_settings():
    environ = {k: v for k, v in REQUIRED.items() if k != "SHOP_PAYMENT_API_KEY"}

    settings = load({**environ, "SHOP_LOG_LEVEL": "ERROR"}, LOG_LEVEL="DEBUG", PAYMENT_API_KEY="pk-test")

    assert settings["LOG_LEVEL"] == "DEBUG"
    assert settings["PAYMENT_API_KEY"] == "pk-test"


def test_an_override_of_a_setting_that_does_not_exist_is_refused():
    error = refusal(REQUIRED, PAYMENT_KEY="pk-typo")

    assert "PAYMENT_KEY" in str(error)


def test_every_missing_required_setting_is_named_in_one_error():
    error = refusal({})

    assert isinstance(error, SystemExit)
    message = str(error.code)  # what the interpreter prints on its way out, with exit status 1
    for name in ("SHOP_DATABASE_URL", "SHOP_REDIS_URL", "SHOP_JWT_PUBLIC_KEY", "SHOP_PAYMENT_API_KEY"):
        assert name in message
    assert len(error.problems) == 4
    assert message.startswith("orders: ")


def test_a_blank_required_setting_counts_as_missing(tmp_path):
    empty = tmp_path / "empty"
    empty.write_text("\n")
    environ = {k: v for k, v in REQUIRED.items() if k != "SHOP_PAYMENT_API_KEY"}

    error = refusal({**environ, "SHOP_DATABASE_URL": "", "SHOP_PAYMENT_API_KEY_FILE": str(empty)})

    assert [p.split(" ")[0] for p in error.problems] == ["SHOP_DATABASE_URL", "SHOP_PAYMENT_API_KEY"]


def test_malformed_values_are_named_along_with_the_missing_ones():
    environ = {k: v for k, v in REQUIRED.items() if k != "SHOP_DATABASE_URL"}

    error = refusal({**environ, "SHOP_ENV": "prod", "SHOP_MAX_BODY_BYTES": "0", "SHOP_LOG_FORMAT": "xml",
                     "SHOP_CACHE_ENABLED": "maybe", "SHOP_DB_POOL_SIZE": "five", "SHOP_DISCOUNT_RATE": "nan"})

    named = sorted(p.split(" ")[0].rstrip(":") for p in error.problems)
    assert named == sorted(["SHOP_DATABASE_URL", "SHOP_ENV", "SHOP_MAX_BODY_BYTES", "SHOP_LOG_FORMAT",
                            "SHOP_CACHE_ENABLED", "SHOP_DB_POOL_SIZE", "SHOP_DISCOUNT_RATE"])
    assert "'prod'" in str(error)  # says what it got


def test_in_development_a_missing_key_pair_is_made_under_var_dir(tmp_path):
    environ = {"SHOP_ENV": "development", "SHOP_VAR_DIR": str(tmp_path),
               "SHOP_DATABASE_URL": "postgresql://localhost/orders", "SHOP_REDIS_URL": "redis://localhost/0",
               "SHOP_PAYMENT_API_KEY": "pk-dev"}

    first = load(environ)
    second = load(environ)

    public = first["JWT_PUBLIC_KEY"]
    assert check_key(public, "ES256", private=False) == public
    assert (tmp_path / "keys" / "es256" / "public.pem").read_text() == public
    assert second["JWT_PUBLIC_KEY"] == public


@pytest.mark.parametrize("env", ["production", "test"])
def test_outside_development_no_key_is_ever_made(tmp_path, env):
    environ = {k: v for k, v in REQUIRED.items() if k != "SHOP_JWT_PUBLIC_KEY"}

    error = refusal({**environ, "SHOP_ENV": env, "SHOP_VAR_DIR": str(tmp_path)})

    assert [p.split(" ")[0] for p in error.problems] == ["SHOP_JWT_PUBLIC_KEY"]
    assert list(tmp_path.iterdir()) == []


def test_in_development_a_given_key_is_used_and_none_is_made(tmp_path):
    settings = load({**REQUIRED, "SHOP_ENV": "development", "SHOP_VAR_DIR": str(tmp_path)})

    assert settings["JWT_PUBLIC_KEY"] == REQUIRED["SHOP_JWT_PUBLIC_KEY"]
    assert list(tmp_path.iterdir()) == []


def test_in_development_only_what_cannot_be_made_is_named_as_missing(tmp_path):
    error = refusal({"SHOP_ENV": "development", "SHOP_VAR_DIR": str(tmp_path),
                     "SHOP_REDIS_URL": "redis://localhost/0", "SHOP_PAYMENT_API_KEY": "pk-dev"})

    assert [p.split(" ")[0] for p in error.problems] == ["SHOP_DATABASE_URL"]
    assert list(tmp_path.iterdir()) == []  # nothing made for a process that will not start
