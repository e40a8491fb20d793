"""Pages of meetings ahead."""

from django.urls import URLPattern, URLResolver, path

from deals.meetings import views

urlpatterns: list[URLPattern | URLResolver] = [
    path("meetings/", views.meetings, name="meetings"),
    path("activities/<int:activity_id>/held/", views.activity_held, name="activity-held"),
    path("activities/<int:activity_id>/minutes/", views.activity_minutes, name="activity-minutes"),
    path("activities/<int:activity_id>/cancel/", views.activity_cancel, name="activity-cancel"),
]
