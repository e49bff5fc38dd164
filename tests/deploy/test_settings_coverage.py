"""Every setting of kosha.config.Settings is a chart value (or explicitly not for deploy)."""

from __future__ import annotations

from tests.deploy._common import NOT_FOR_DEPLOY, load_values, settings_env_names


def test_every_setting_is_a_chart_value_or_listed_as_not_for_deploy() -> None:
    values = load_values()
    covered = set(values["config"]) | set(values["secretEnv"]) | set(NOT_FOR_DEPLOY)
    missing = sorted(settings_env_names() - covered)
    assert not missing, (
        f"settings missing from deploy/helm/kosha/values.yaml: {missing}; add each under "
        "`config` (plain) or `secretEnv` (a Secret key), or to NOT_FOR_DEPLOY in "
        "tests/deploy/_common.py with the reason")


def test_chart_values_name_real_settings() -> None:
    values = load_values()
    known = settings_env_names()
    unknown = sorted((set(values["config"]) | set(values["secretEnv"])) - known)
    assert not unknown, f"values.yaml names settings Kosha does not have: {unknown}"


def test_a_setting_is_plain_or_secret_never_both() -> None:
    values = load_values()
    assert not set(values["config"]) & set(values["secretEnv"])
    assert not set(NOT_FOR_DEPLOY) & (set(values["config"]) | set(values["secretEnv"]))


def test_secret_settings_are_secrets() -> None:
    """Passwords, keys, tokens and URLs that carry credentials only come from the Secret."""
    from kosha.config import Settings

    values = load_values()
    secret_fields = {f"KOSHA_{name.upper()}" for name, field in Settings.model_fields.items()
                     if "SecretStr" in str(field.annotation)}
    must_be_secret = (secret_fields | {"KOSHA_DATABASE_URL", "KOSHA_REDIS_URL", "KOSHA_FORGES",
                                       "KOSHA_SECRET_KEY", "KOSHA_ENCRYPTION_KEY"})
    must_be_secret |= {"KOSHA_S3_ACCESS_KEY", "KOSHA_S3_SECRET_KEY", "KOSHA_NEO4J_PASSWORD"}
    assert must_be_secret <= set(values["secretEnv"]), sorted(
        must_be_secret - set(values["secretEnv"]))
