"""Pages of the needs pool's and the achievement library's records."""

from django.urls import URLPattern, URLResolver, path

from deals.library import views

urlpatterns: list[URLPattern | URLResolver] = [
    path("needs/new/", views.demand_new, name="demand-new"),
    path("needs/<int:demand_id>/edit/", views.demand_edit, name="demand-edit"),
    path("needs/import/", views.demand_import, name="demand-import-page"),
    path("achievements/new/", views.achievement_new, name="achievement-new"),
    path(
        "achievements/<int:achievement_id>/edit/",
        views.achievement_edit,
        name="achievement-edit",
    ),
    path("achievements/import/", views.achievement_import, name="achievement-import-page"),
    path("imports/<int:job_id>/", views.import_job, name="import-job"),
]
