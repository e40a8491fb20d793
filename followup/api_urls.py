from django.urls import URLPattern, URLResolver, path

from followup import api

urlpatterns: list[URLPattern | URLResolver] = [
    path("follow-up/", api.FollowUpListView.as_view(), name="follow-up"),
    path(
        "follow-up/milestones.xlsx",
        api.MilestonesExportView.as_view(),
        name="follow-up-milestones-xlsx",
    ),
    path("deals/<int:deal_id>/follow-up/", api.DealFollowUpView.as_view(), name="deal-follow-up"),
    path(
        "deals/<int:deal_id>/follow-up/history/",
        api.DealFollowUpHistoryView.as_view(),
        name="deal-follow-up-history",
    ),
    path(
        "deals/<int:deal_id>/milestones/",
        api.DealMilestonesView.as_view(),
        name="deal-milestones",
    ),
    path(
        "contracts/<int:contract_id>/milestones/",
        api.ContractMilestonesView.as_view(),
        name="contract-milestones",
    ),
    path("deals/<int:deal_id>/visits/", api.DealVisitsView.as_view(), name="deal-visits"),
    path("deals/<int:deal_id>/outcome/", api.DealOutcomeView.as_view(), name="deal-outcome"),
]
