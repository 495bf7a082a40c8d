from django.apps import AppConfig


class InvolvementsConfig(AppConfig):
    name = "involvements"
    verbose_name = "Services and involvements"

    def ready(self) -> None:
        from involvements import record_sections  # noqa: F401  (registers the record page sections)
