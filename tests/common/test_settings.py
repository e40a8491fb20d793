"""Settings read from the environment refuse what they don't understand."""

import pytest
from django.core.exceptions import ImproperlyConfigured

from config.settings.base import env_bool


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("1", True),
        ("true", True),
        (" Yes ", True),
        ("ON", True),
        ("0", False),
        ("false", False),
        ("no", False),
        ("off", False),
        ("", False),
    ],
)
def test_env_bool_reads_the_usual_words(monkeypatch, value, expected):
    monkeypatch.setenv("DD_FLAG", value)
    assert env_bool("DD_FLAG", not expected) is expected


def test_env_bool_falls_back_to_the_default_when_unset(monkeypatch):
    monkeypatch.delenv("DD_FLAG", raising=False)
    assert env_bool("DD_FLAG", True) is True
    assert env_bool("DD_FLAG", False) is False


@pytest.mark.parametrize("typo", ["ture", "flase", "enabled", "2", "y es"])
def test_env_bool_refuses_a_value_it_does_not_know(monkeypatch, typo):
    monkeypatch.setenv("DD_FLAG", typo)
    with pytest.raises(ImproperlyConfigured, match="DD_FLAG"):
        env_bool("DD_FLAG", False)
