"""Under /api/v1/ after deals.api_urls; explicit paths, so the deals router cannot shadow them."""

from django.urls import URLPattern, URLResolver, path

from deals.assignment import api

urlpatterns: list[URLPattern | URLResolver] = [
    path(
        "demands/<int:pk>/broker-suggestions/",
        api.BrokerSuggestionsApi.as_view(),
        name="demand-broker-suggestions",
    ),
    path("deals/<int:pk>/reassign/", api.ReassignApi.as_view(), name="deal-reassign"),
    path("deals/<int:pk>/conflicts/", api.ConflictsApi.as_view(), name="deal-conflicts"),
    path(
        "deals/<int:pk>/conflicts/<int:cid>/resolve/",
        api.ConflictResolveApi.as_view(),
        name="deal-conflict-resolve",
    ),
    path("conflicts/", api.ConflictListApi.as_view(), name="conflicts"),
]
