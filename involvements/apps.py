from django.apps import AppConfig


class InvolvementsConfig(AppConfig):
    name = "involvements"
    verbose_name = "Services and involvements"

    def ready(self) -> None:
        from auditlog.registry import auditlog

        from involvements import record_sections  # noqa: F401  (registers the record page section)
        from involvements.models import Involvement, Practitioner, Service

        for model in (Involvement, Practitioner, Service):
            auditlog.register(model)
