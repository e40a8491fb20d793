"""The brokers app's pages (signing in is the home page's job when signed out)."""

from django.urls import URLPattern, URLResolver, path

from brokers import views

urlpatterns: list[URLPattern | URLResolver] = [
    path("signout/", views.sign_out, name="sign-out"),
]
