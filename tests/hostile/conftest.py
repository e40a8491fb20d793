from tests.rewards.conftest import broker_b, register, zhenhai  # noqa: F401
