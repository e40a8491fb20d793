"""The rewards fixtures (registered deals, a regional policy) for the reward notifications."""

from tests.rewards.conftest import register, zhenhai  # noqa: F401
