"""The web pages' URLs, composed above the apps (a page may show several apps' data)."""

from django.urls import URLPattern, URLResolver

urlpatterns: list[URLPattern | URLResolver] = []
