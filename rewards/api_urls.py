from django.urls import URLPattern, URLResolver, path
from rest_framework.routers import SimpleRouter

from rewards import api

router = SimpleRouter()
router.register("reward-policies", api.RewardPolicyViewSet, basename="reward-policy")
router.register("rewards", api.RewardViewSet, basename="reward")

urlpatterns: list[URLPattern | URLResolver] = [
    # /rewards/export.xlsx as written in the brief, without the router's trailing slash too.
    path(
        "rewards/export.xlsx",
        api.RewardExportXlsxAlias.as_view({"get": "export_xlsx"}),
        name="reward-export-xlsx-noslash",
    ),
    *router.urls,
]
