"""The pages composed above the apps: the role home at `/`, the deal page (the deal with its
contract and its reward) and a broker's page (deals, meetings, reward shares). Every other page is its app's (`<app>/urls.py`)."""

from django.urls import URLPattern, URLResolver, path

from config import views

urlpatterns: list[URLPattern | URLResolver] = [
    path("", views.home, name="home"),
    path("deals/<int:deal_id>/", views.deal_detail, name="deal-detail"),
    path("me/", views.me, name="me"),
    path("brokers/<int:broker_id>/", views.broker_page, name="broker-page"),
]
