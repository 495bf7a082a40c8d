from django.apps import AppConfig


class RecordsConfig(AppConfig):
    name = "records"
    verbose_name = "Children's records"

    def ready(self) -> None:
        from auditlog.registry import auditlog

        from records import audit_rules  # noqa: F401  (registers the misuse rule)
        from records.models import Address, Carer, Child, ChildName

        # Change history (django-auditlog), linked to the request id of the audit events.
        for model in (Child, ChildName, Address, Carer):
            auditlog.register(model)
