"""Sign-in and sign-out pages (Django's auth views with our templates)."""

from __future__ import annotations

from django.contrib.auth.views import LoginView, LogoutView


class SignInView(LoginView):
    """The sign-in form (fields `username` and `password`); `/` shows it to signed-out visitors."""

    template_name = "brokers/sign_in.html"


sign_in = SignInView.as_view()
sign_out = LogoutView.as_view()  # POST only (Django 5): a link cannot sign anyone out
