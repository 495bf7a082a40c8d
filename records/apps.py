from django.apps import AppConfig


class RecordsConfig(AppConfig):
    name = "records"
    verbose_name = "Children's records"

    def ready(self) -> None:
        from auditlog.registry import auditlog

        from records import audit_rules  # noqa: F401  (registers the misuse rule)
        from records.models import Address, Carer, Child, ChildName

        # Change history (django-auditlog), linked to the request id of the audit events.
        # The change history is append-only and outlives retention, so it records that
        # a child's details changed and which, never the personal values themselves.
        auditlog.register(
            Child, exclude_fields=["given_name", "family_name", "date_of_birth", "date_of_death"]
        )
        auditlog.register(
            ChildName,
            exclude_fields=[
                "given_name",
                "family_name",
                "given_norm",
                "family_norm",
                "given_key",
                "family_key",
            ],
        )
        auditlog.register(
            Address, exclude_fields=["line_1", "line_2", "town", "postcode", "postcode_district"]
        )
        auditlog.register(Carer, exclude_fields=["name", "phone", "email"])
