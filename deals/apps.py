from django.apps import AppConfig


class DealsConfig(AppConfig):
    name = "deals"
    verbose_name = "需求、成果与项目"
