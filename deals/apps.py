from django.apps import AppConfig


class DealsConfig(AppConfig):
    name = "deals"
    verbose_name = "需求、成果与项目"

    def ready(self) -> None:
        from deals import tasks  # noqa: F401  (registers the sweep with the worker)
        from deals.matching import wiring

        # Keep the matching index current whenever a need or an achievement is written.
        wiring.connect()
