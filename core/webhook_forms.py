from django import forms

from core.errors import DomainValidationError
from core.webhook_models import WILDCARD_OP
from core.webhooks import clean_url, event_type_groups


def _group_label(object_type: str) -> str:
    return object_type.replace("_", " ").capitalize() + "s"


def _event_label(event_type: str) -> str:
    op = event_type.rsplit(".", 1)[1]
    return "Any change" if op == WILDCARD_OP else op.capitalize()


def event_type_choices() -> list[tuple[str, list[tuple[str, str]]]]:
    """Checkboxes grouped by object type: "Any change", then created, updated, deleted."""
    return [
        (_group_label(object_type), [(e, _event_label(e)) for e in events])
        for object_type, events in event_type_groups()
    ]


class WebhookSubscriptionForm(forms.Form):
    url = forms.CharField(
        label="Payload URL",
        max_length=2000,
        widget=forms.URLInput(
            attrs={"placeholder": "https://example.com/hooks/throughline", "autocomplete": "off"}
        ),
        help_text="Throughline POSTs each event here as JSON.",
        error_messages={"required": "Enter the URL that receives the events."},
    )
    event_types = forms.MultipleChoiceField(
        label="Events",
        widget=forms.CheckboxSelectMultiple(attrs={"class": "event-types"}),
        help_text="The same events as the changes feed. “Any change” includes kinds added later.",
        error_messages={"required": "Choose at least one event."},
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["event_types"].choices = event_type_choices()  # type: ignore[attr-defined]

    def clean_url(self) -> str:
        # Checked here too, so a bad URL is reported together with the other fields' errors.
        try:
            return clean_url(self.cleaned_data["url"])
        except DomainValidationError as exc:
            raise forms.ValidationError(exc.message_dict["url"]) from exc
