from django.apps import AppConfig


class DemoConfig(AppConfig):
    """The Chinese demo data set. It sits above every app, so it may use all their services."""

    name = "demo"
    verbose_name = "演示数据"
