"""Pages of lead assignment and the double-brokering guard."""

from django.urls import URLPattern, URLResolver, path

from deals.assignment import views

urlpatterns: list[URLPattern | URLResolver] = [
    path("needs/<int:demand_id>/open/", views.need_open, name="need-open"),
    path("deals/<int:deal_id>/reassign/", views.deal_reassign, name="deal-reassign"),
    path(
        "deals/<int:deal_id>/conflicts/<int:conflict_id>/resolve/",
        views.deal_conflict_resolve,
        name="deal-conflict-resolve",
    ),
]
