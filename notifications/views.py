"""The notifications page: newest first, mark one or all read, choose how e-mail arrives."""

from __future__ import annotations

from django import forms
from django.contrib import messages
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from brokers.requests import signed_in
from common.http import safe_next
from common.pages import login_required, panel_tags
from notifications import kinds, selectors, services
from notifications.models import EmailMode


class EmailModeForm(forms.Form):
    email_mode = forms.ChoiceField(label=gettext_lazy("邮件提醒"), choices=EmailMode.choices)


@login_required
def notification_list(request: HttpRequest) -> HttpResponse:
    mode = services.notification_settings_for(signed_in(request)).email_mode
    return _list_page(request, EmailModeForm(initial={"email_mode": mode}))


def _list_page(request: HttpRequest, form: EmailModeForm, status: int = 200) -> HttpResponse:
    """The list, with the e-mail choice as `form` has it (a refused choice: at its field)."""
    only_unread = request.GET.get("unread") == "1"
    rows = selectors.notification_list_for_user(
        signed_in(request), unread=True if only_unread else None
    )
    page = Paginator(rows, 50).get_page(request.GET.get("page"))
    for row in page:
        row.kind_label = kinds.kind_label(row.kind)  # type: ignore[attr-defined]
    return render(
        request,
        "notifications/list.html",
        {"page": page, "only_unread": only_unread, "form": form},
        status=status,
    )


@login_required
@require_POST
def notification_open(request: HttpRequest, notification_id: int) -> HttpResponse:
    """Mark it read and go where it points (its deal, or back to the list)."""
    user = signed_in(request)
    row = selectors.notification_get_for_user(user=user, notification_id=notification_id)
    services.notification_mark_read(notification=row, user=user)
    target = safe_next(request, row.url) if row.url else None
    return HttpResponseRedirect(target) if target else redirect("notifications")


@login_required
@require_POST
def notification_read_all(request: HttpRequest) -> HttpResponse:
    marked = services.notifications_mark_all_read(user=signed_in(request))
    messages.success(request, _("已将 %(n)s 条通知标为已读。") % {"n": marked})
    return redirect("notifications")


@login_required
@require_POST
def notification_email_mode(request: HttpRequest) -> HttpResponse:
    form = EmailModeForm(request.POST)
    if form.is_valid():
        services.notification_settings_update(
            user=signed_in(request), email_mode=form.cleaned_data["email_mode"]
        )
        messages.success(request, _("邮件提醒方式已保存。"), extra_tags=panel_tags("email"))
        return redirect(reverse("notifications") + "#email-mode")
    return _list_page(request, form, status=400)
