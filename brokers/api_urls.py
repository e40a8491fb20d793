from django.urls import path
from rest_framework.routers import SimpleRouter

from brokers import api

router = SimpleRouter()
router.register("users", api.UserViewSet, basename="user")
router.register("brokers", api.BrokerViewSet, basename="broker")

urlpatterns = [
    path("auth/token/", api.TokenView.as_view(), name="auth-token"),
    path("regions/", api.RegionListView.as_view(), name="region-list"),
    path("industries/", api.IndustryListView.as_view(), name="industry-list"),
    *router.urls,
]
