"""Forms of the cadence pages. They parse input; the services decide what is allowed."""

from __future__ import annotations

from django import forms

from core.forms import LongSelect, PersonChoiceField
from core.models import Membership, Team, User
from okrs.models import KeyResult
from planning.forms import DateInput
from planning.models import Initiative, StrategicObjective, WorkPackage
from reviews.models import Cadence, Channel, Decision, NotificationKind


class TimeInput(forms.TimeInput):
    input_type = "time"

    def __init__(self, **kwargs):
        super().__init__(format="%H:%M", **kwargs)


class ParticipantField(forms.ModelMultipleChoiceField):
    def label_from_instance(self, obj: Membership) -> str:
        return f"{obj.user.display_name} ({obj.get_role_display().lower()})"


def _optional_int(value):
    return int(value) if value not in (None, "") else None


class CadenceForm(forms.Form):
    name = forms.CharField(max_length=120)
    kind = forms.ChoiceField(
        choices=Cadence.Kind.choices,
        help_text="Weekly reviews look at tactics; the quarterly one at strategy.",
    )
    team = forms.ModelChoiceField(
        queryset=Team.objects.none(),
        required=False,
        empty_label="— The whole organization —",
        help_text="A team's review looks at that team's work only.",
    )
    frequency = forms.ChoiceField(choices=Cadence.Frequency.choices)
    weekday = forms.TypedChoiceField(
        choices=[("", "—"), *Cadence.Weekday.choices],
        coerce=int,
        empty_value=None,
        required=False,
        label="Day of the week",
    )
    week_of_month = forms.TypedChoiceField(
        choices=[("", "—"), *Cadence.WeekOfMonth.choices],
        coerce=int,
        empty_value=None,
        required=False,
        label="Which one in the month",
        help_text="Monthly and quarterly reviews: e.g. the first Tuesday.",
    )
    day_of_month = forms.IntegerField(
        required=False,
        label="Or: day of the month",
        help_text="1 to 31; the 29th to 31st fall on the last day of shorter months.",
    )
    month_of_quarter = forms.TypedChoiceField(
        choices=[(1, "First month"), (2, "Second month"), (3, "Third month")],
        coerce=int,
        initial=1,
        label="Month of the quarter",
        help_text="Quarterly reviews only.",
    )
    time_of_day = forms.TimeField(widget=TimeInput(), label="Time")
    duration_minutes = forms.IntegerField(initial=60, label="Length (minutes)")
    starts_on = forms.DateField(widget=DateInput(), label="First date")
    ends_on = forms.DateField(widget=DateInput(), required=False, label="Last date")
    reminder_lead_hours = forms.IntegerField(
        initial=24,
        min_value=0,
        label="Remind participants (hours ahead)",
    )
    location = forms.CharField(max_length=200, required=False, help_text="A room or a video link.")
    participants = ParticipantField(
        queryset=Membership.objects.none(), required=False, widget=forms.CheckboxSelectMultiple
    )

    def __init__(self, *args, teams=None, people=None, timezone_name="UTC", **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["team"].queryset = teams if teams is not None else Team.objects.none()
        self.fields["participants"].queryset = (
            people if people is not None else Membership.objects.none()
        )
        self.fields["time_of_day"].help_text = f"In the organization's time zone, {timezone_name}."


class DecisionForm(forms.Form):
    """Any decision; on a work package row of the agenda, only verdict, reason and owner show."""

    subject = forms.ChoiceField(choices=Decision.Subject.choices, label="About")
    work_package = forms.ModelChoiceField(
        queryset=WorkPackage.objects.none(),
        required=False,
        help_text="Work on this review's agenda.",
        error_messages={"invalid_choice": "Choose a work package on this review's agenda."},
    )
    initiative = forms.ModelChoiceField(
        queryset=Initiative.objects.none(),
        required=False,
        widget=LongSelect,
        error_messages={"invalid_choice": "Choose an open initiative of this organization."},
    )
    strategic_objective = forms.ModelChoiceField(
        queryset=StrategicObjective.objects.none(),
        required=False,
        error_messages={
            "invalid_choice": "Choose a draft or active strategic objective of this organization."
        },
    )
    team = forms.ModelChoiceField(
        queryset=Team.objects.none(), required=False, label="Team (capacity)", widget=LongSelect
    )
    verdict = forms.ChoiceField(
        choices=[("", "—"), *Decision.Verdict.choices],
        required=False,
        label="Continue, revise or stop",
        help_text="For a work package.",
    )
    summary = forms.CharField(
        max_length=300,
        required=False,
        label="What changes",
        help_text="E.g. “Move the partner integration to next quarter”.",
    )
    reason = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 2}),
        error_messages={"required": "Give the reason for the decision."},
        help_text="What the evidence showed.",
    )
    owner = PersonChoiceField(
        queryset=User.objects.none(),
        empty_label="— Choose —",
        error_messages={"required": "Choose who carries it out."},
        help_text="Who carries it out.",
    )

    def __init__(
        self,
        *args,
        work_packages=None,
        initiatives=None,
        objectives=None,
        teams=None,
        people=None,
        **kwargs,
    ):
        super().__init__(*args, **kwargs)
        choices = {
            "work_package": (work_packages, WorkPackage),
            "initiative": (initiatives, Initiative),
            "strategic_objective": (objectives, StrategicObjective),
            "team": (teams, Team),
            "owner": (people, User),
        }
        for name, (queryset, model) in choices.items():
            self.fields[name].queryset = queryset if queryset is not None else model.objects.none()


class LearningForm(forms.Form):
    statement = forms.CharField(
        max_length=300, label="What we learned", help_text="One sentence a leader can act on."
    )
    evidence = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 3}),
        required=False,
        help_text="What showed it: numbers, tests, customer words.",
    )
    strategic_objective = forms.ModelChoiceField(
        queryset=StrategicObjective.objects.none(),
        label="Informs the strategic objective",
        error_messages={
            "invalid_choice": "Choose a draft or active strategic objective of this organization."
        },
    )
    work_packages = forms.ModelMultipleChoiceField(
        queryset=WorkPackage.objects.none(),
        required=False,
        widget=forms.CheckboxSelectMultiple,
        label="From the work",
    )
    key_results = forms.ModelMultipleChoiceField(
        queryset=KeyResult.objects.none(),
        required=False,
        widget=forms.CheckboxSelectMultiple,
        label="Key results it bears on",
        help_text="Of the active cycles: the review team's key results and those of the "
        "organization objectives they serve (in an organization-wide review, the organization "
        "objectives').",
    )

    def __init__(self, *args, objectives=None, work_packages=None, key_results=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["strategic_objective"].queryset = (
            objectives if objectives is not None else StrategicObjective.objects.none()
        )
        self.fields["work_packages"].queryset = (
            work_packages if work_packages is not None else WorkPackage.objects.none()
        )
        self.fields["key_results"].queryset = (
            key_results if key_results is not None else KeyResult.objects.none()
        )
        if key_results is None:
            del self.fields["key_results"]


class NotesForm(forms.Form):
    notes = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 5}), required=False, label="Notes of the meeting"
    )


class NotificationSettingsForm(forms.Form):
    """One checkbox per kind and channel, ticked when wanted."""

    def __init__(self, *args, disabled=frozenset(), **kwargs):
        super().__init__(*args, **kwargs)
        for kind, kind_label in NotificationKind.choices:
            for channel, channel_label in Channel.choices:
                self.fields[f"{kind}__{channel}"] = forms.BooleanField(
                    required=False,
                    initial=(kind, channel) not in disabled,
                    label=f"{kind_label} — {channel_label.lower()}",
                )

    def rows(self):
        """(kind label, [bound field per channel]) for a grid."""
        return [
            (label, [self[f"{kind}__{channel}"] for channel in Channel.values])
            for kind, label in NotificationKind.choices
        ]

    def disabled(self) -> set[tuple[str, str]]:
        return {
            tuple(name.split("__"))  # type: ignore[misc]
            for name, wanted in self.cleaned_data.items()
            if not wanted
        }
