from django.urls import URLPattern, path

from stats import api

urlpatterns: list[URLPattern] = [
    path("stats/", api.StatsView.as_view(), name="stats"),
    path("stats/export/", api.StatsExportView.as_view(), name="stats-export"),
]
