from django.urls import URLPattern, path

from stats import views

urlpatterns: list[URLPattern] = [
    path("stats/", views.stats_page, name="stats-page"),
    path("dashboard/", views.dashboard, name="dashboard"),
    path("dashboard/<slug:key>.csv", views.dashboard_csv, name="dashboard-csv"),
]
