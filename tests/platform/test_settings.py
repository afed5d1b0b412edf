import pytest

from subgraphs.common.settings import SettingsError, load_settings
from tests.conftest import TEST_SECRET_KEY

BASE = {"SECRET_KEY": TEST_SECRET_KEY}


def test_defaults_follow_the_original_design() -> None:
    settings = load_settings("orders", BASE)
    assert settings.port == 8004
    assert settings.database_url == "sqlite:///./orders.db"
    assert settings.algorithm == "HS256"
    assert settings.amqp_url == "amqp://guest:guest@localhost:5672/%2F"
    assert settings.service_urls["users"] == "http://localhost:8001/graphql"
    assert settings.event_namespace == ""


def test_rabbitmq_parts_and_amqp_url() -> None:
    settings = load_settings(
        "users", {**BASE, "RABBITMQ_HOST": "rabbit", "RABBITMQ_USER": "app", "RABBITMQ_PASS": "p@ss/word"}
    )
    assert settings.amqp_url == "amqp://app:p%40ss%2Fword@rabbit:5672/%2F"
    assert "p%40ss" not in settings.broker_display()
    explicit = load_settings("users", {**BASE, "AMQP_URL": "amqp://u:p@h:5673/v"})
    assert explicit.amqp_url == "amqp://u:p@h:5673/v"


def test_service_urls_from_environment() -> None:
    settings = load_settings("users", {**BASE, "ORDER_SERVICE_URL": "http://orders:8004/graphql"})
    assert settings.service_urls["orders"] == "http://orders:8004/graphql"


@pytest.mark.parametrize(
    ("env", "message"),
    [
        ({}, "SECRET_KEY is not set"),
        ({"SECRET_KEY": "short"}, "SECRET_KEY is too short"),
        ({**BASE, "ALGORITHM": "none"}, "ALGORITHM must be one of"),
        ({**BASE, "ALGORITHM": "RS256"}, "ALGORITHM must be one of"),
        ({**BASE, "PORT": "eighty"}, "PORT must be an integer"),
        ({**BASE, "PORT": "70000"}, "PORT must be <= 65535"),
        ({**BASE, "DATABASE_URL": "mysql://x/y"}, "DATABASE_URL must be"),
        ({**BASE, "AMQP_URL": "http://x"}, "AMQP_URL must start with"),
        ({**BASE, "FAST_PASSWORD_HASHING": "maybe"}, "FAST_PASSWORD_HASHING must be true or false"),
    ],
)
def test_invalid_settings_fail_with_one_clear_line(env: dict[str, str], message: str) -> None:
    with pytest.raises(SettingsError) as raised:
        load_settings("users", env)
    assert message in str(raised.value)
    assert "\n" not in str(raised.value)


def test_secret_is_not_in_repr() -> None:
    settings = load_settings("users", {**BASE, "RABBITMQ_PASS": "hunter2-secret"})
    assert TEST_SECRET_KEY not in repr(settings)
    assert "hunter2" not in repr(settings)
