from django.apps import AppConfig


class ContractsConfig(AppConfig):
    name = "contracts"
    verbose_name = "技术合同"

    def ready(self) -> None:
        # `deals` asks, `contracts` answers: the agreement stage's condition and the deal API's
        # "contract" field are registered here so that `deals` never imports this app.
        from contracts.checks import agreement_complete_blockers
        from contracts.selectors import current_contract_id, deal_history_events
        from deals.conditions import register_check
        from deals.extensions import register_deal_field, register_history_source

        register_check("agreement_complete", agreement_complete_blockers)
        register_deal_field("contract", current_contract_id)
        register_history_source(deal_history_events)

        from django.db.models.signals import post_save

        from contracts.models import ContractDocument
        from contracts.notify import document_saved

        post_save.connect(document_saved, sender=ContractDocument, dispatch_uid="contract-notify")
