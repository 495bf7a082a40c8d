from django.apps import AppConfig


class FeedsConfig(AppConfig):
    name = "feeds"
    verbose_name = "Feeds from case management systems"

    def ready(self) -> None:
        from feeds import record_sections  # noqa: F401  (registers the record section)
