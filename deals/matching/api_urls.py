"""Under /api/v1/ after deals.api_urls; explicit paths, so the deals router cannot shadow them."""

from django.urls import URLPattern, URLResolver, path

from deals.matching import api

urlpatterns: list[URLPattern | URLResolver] = [
    path("demands/<int:pk>/matches/", api.DemandMatchesApi.as_view(), name="demand-matches"),
    path(
        "achievements/<int:pk>/matches/",
        api.AchievementMatchesApi.as_view(),
        name="achievement-matches",
    ),
    path(
        "achievements/<int:pk>/similar/",
        api.AchievementSimilarApi.as_view(),
        name="achievement-similar",
    ),
    path("deals/<int:pk>/candidates/", api.DealCandidatesApi.as_view(), name="deal-candidates"),
    path("achievements/import/", api.AchievementImportApi.as_view(), name="achievement-import"),
    path("demands/import/", api.DemandImportApi.as_view(), name="demand-import"),
    path("jobs/<int:pk>/", api.ImportJobApi.as_view(), name="import-job"),
]
