"""Sign-in and sign-out pages (Django's auth views with our templates)."""

from __future__ import annotations

from django.contrib.auth.views import LoginView, LogoutView
from django.http import HttpRequest

from common.http import safe_next


class SignInView(LoginView):
    """The sign-in form (fields `username` and `password`); `/` shows it to signed-out visitors."""

    template_name = "brokers/sign_in.html"

    def get_redirect_url(self, request: HttpRequest | None = None) -> str:
        """Only a path on this site; anything else (another host, a bare word) → the home page."""
        value = self.request.POST.get("next", self.request.GET.get("next"))
        return safe_next(self.request, value) or ""


sign_in = SignInView.as_view()
sign_out = LogoutView.as_view()  # POST only (Django 5): a link cannot sign anyone out
