from django.urls import URLPattern, URLResolver, path

from notifications import views

urlpatterns: list[URLPattern | URLResolver] = [
    path("notifications/", views.notification_list, name="notifications"),
    path(
        "notifications/<int:notification_id>/open/",
        views.notification_open,
        name="notification-open",
    ),
    path("notifications/read-all/", views.notification_read_all, name="notifications-read-all"),
    path("notifications/email/", views.notification_email_mode, name="notifications-email"),
]
