from django.apps import AppConfig


class CoreConfig(AppConfig):
    name = "core"
    verbose_name = "People and organizations"

    def ready(self) -> None:
        from core import changelog, webhooks

        # After each commit that recorded changes, queue the webhook deliveries they call for.
        changelog.on_recorded(webhooks.on_changes_recorded)
