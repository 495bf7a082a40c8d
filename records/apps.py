from django.apps import AppConfig


class RecordsConfig(AppConfig):
    name = "records"
    verbose_name = "Children's records"

    def ready(self) -> None:
        from auditlog.registry import auditlog

        from records.models import Address, Carer, Child, ChildName

        # Change history (django-auditlog), linked to the request id of the audit events.
        for model in (Child, ChildName, Address, Carer):
            auditlog.register(model)
