from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class NotificationsConfig(AppConfig):
    """Per-user notifications. Sits between `deals` and `brokers`: every app above calls
    `notifications.services.notify(...)`; this app imports only `brokers` and `common`."""

    name = "notifications"
    verbose_name = _("通知")

    def ready(self) -> None:
        from notifications import tasks  # noqa: F401  (registers the e-mail tasks with the worker)
