from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class IntakeConfig(AppConfig):
    """Public submissions (公开征集): anyone proposes a need or an achievement, a supervisor of the
    organisation whose region it falls in triages it into the library. Sits above `deals` (accepting
    a need may open a deal) and below `contracts`."""

    name = "intake"
    verbose_name = _("公开征集")

    def ready(self) -> None:
        from intake import tasks  # noqa: F401  (registers the mail tasks with the worker)
