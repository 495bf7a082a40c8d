from django.apps import AppConfig


class CafConfig(AppConfig):
    name = "caf"
    verbose_name = "CAF and lead professional"

    def ready(self) -> None:
        from caf import record_sections  # noqa: F401  (registers the record page section)
