"""Every route. URL names: the JSON API's live in the `api` namespace (`api:deal-detail`,
`api:contract-pdf`), the pages' are plain (`deal-detail`, `contract-pdf`) and unique across the
apps, so a page and an API route can never answer to the same name. Templates and code reverse
these names; no path is written out anywhere else."""

from django.contrib import admin
from django.urls import URLPattern, URLResolver, include, path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerSplitView

from config import health

api_v1 = [
    path("", include("brokers.api_urls")),
    path("", include("records.api_urls")),
    path("", include("deals.api_urls")),
    path("", include("deals.matching.api_urls")),
    path("", include("deals.assignment.api_urls")),
    path("", include("contracts.api_urls")),
    path("", include("payments.api_urls")),
    path("", include("followup.api_urls")),
    path("", include("rewards.api_urls")),
    path("", include("intake.api_urls")),
    path("", include("challenges.api_urls")),
    path("", include("notifications.api_urls")),
    path("", include("stats.api_urls")),
]

api: list[URLPattern | URLResolver] = [
    path("v1/", include(api_v1)),
    path("schema/", SpectacularAPIView.as_view(), name="schema"),
    path("docs/", SpectacularSwaggerSplitView.as_view(url_name="api:schema"), name="docs"),
]

urlpatterns = [
    # Load balancer and process manager probes (config/health.py): no sign-in, no throttle.
    path("healthz", health.healthz, name="healthz"),
    path("readyz", health.readyz, name="readyz"),
    path("admin/", admin.site.urls),
    # The header's language switch: Django's set_language (POST language, next), a cookie.
    path("i18n/", include("django.conf.urls.i18n")),
    path("api/", include((api, "api"))),
    path("", include("config.pages")),
    path("", include("brokers.urls")),
    path("", include("deals.urls")),
    path("", include("deals.assignment.urls")),
    path("", include("deals.meetings.urls")),
    path("", include("deals.library.urls")),
    path("", include("contracts.urls")),
    path("", include("payments.urls")),
    path("", include("followup.urls")),
    path("", include("rewards.urls")),
    path("", include("intake.urls")),
    path("", include("challenges.urls")),
    path("", include("notifications.urls")),
    path("", include("stats.urls")),
]
