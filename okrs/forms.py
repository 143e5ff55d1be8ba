"""Forms for the OKR pages: they parse input; the rules live in okrs.services."""

from __future__ import annotations

from django import forms

from core.forms import PersonChoiceField
from core.models import Team, User
from okrs import rules
from okrs.models import Cycle, Direction, KeyResult, Objective, OutcomeMeasure
from planning.models import StrategicObjective, WorkPackage

NUMBER_ATTRS = {"inputmode": "decimal", "autocomplete": "off"}


class DateInput(forms.DateInput):
    input_type = "date"

    def __init__(self, **kwargs):
        super().__init__(format="%Y-%m-%d", **kwargs)


class NumberField(forms.DecimalField):
    """A decimal typed as text, so a phone shows its number pad and any locale can type it."""

    def __init__(self, **kwargs):
        kwargs.setdefault("max_digits", 18)
        kwargs.setdefault("decimal_places", 4)
        kwargs.setdefault("widget", forms.TextInput(attrs=NUMBER_ATTRS))
        super().__init__(**kwargs)

    def to_python(self, value):
        if isinstance(value, str):
            value = value.strip().replace(" ", "")
        return super().to_python(value)


class CycleForm(forms.Form):
    name = forms.CharField(max_length=80, help_text="For example “Q1 2027”.")
    start_date = forms.DateField(widget=DateInput(), label="First day")
    end_date = forms.DateField(widget=DateInput(), label="Last day")
    status = forms.ChoiceField(
        choices=[(Cycle.Status.PLANNING, "Planning"), (Cycle.Status.ACTIVE, "Active")],
        initial=Cycle.Status.PLANNING,
        help_text="Check-ins open once the cycle is active.",
    )

    def __init__(self, *args, editing=False, **kwargs):
        super().__init__(*args, **kwargs)
        if editing:
            del self.fields["status"]


class StrategicChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj: StrategicObjective) -> str:
        return f"#{obj.priority} {obj.statement}"


class ObjectiveForm(forms.Form):
    level = forms.ChoiceField(
        choices=Objective.Level.choices, widget=forms.RadioSelect, initial="organization"
    )
    team = forms.ModelChoiceField(
        queryset=Team.objects.none(),
        required=False,
        help_text="Team objectives only.",
        error_messages={"invalid_choice": "Choose one of the teams you write objectives for."},
    )
    statement = forms.CharField(
        max_length=300,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text="The outcome you want, not the project that gets you there.",
    )
    description = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 3}), required=False, label="Why it matters"
    )
    owner = PersonChoiceField(queryset=User.objects.none(), required=False)
    strategic_objective = StrategicChoiceField(
        queryset=StrategicObjective.objects.none(),
        required=False,
        empty_label="— Not linked —",
        label="Serves strategic objective",
        help_text="Required for organization objectives.",
    )
    parent = forms.ModelChoiceField(
        queryset=Objective.objects.none(),
        required=False,
        empty_label="— None —",
        label="Cascades from",
        help_text="The organization objective this team objective contributes to.",
        error_messages={"invalid_choice": "Choose an organization objective of this cycle."},
    )

    def __init__(self, *args, teams, people, strategic_objectives, parents, levels, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["team"].queryset = teams
        self.fields["owner"].queryset = people
        self.fields["strategic_objective"].queryset = strategic_objectives
        self.fields["parent"].queryset = parents
        self.fields["level"].choices = [c for c in Objective.Level.choices if c[0] in levels]


class KeyResultForm(forms.Form):
    title = forms.CharField(
        max_length=300, help_text="The outcome you will measure, e.g. “Online bookings share”."
    )
    metric_kind = forms.ChoiceField(choices=KeyResult.Kind.choices, label="Measured as")
    unit = forms.CharField(
        max_length=20, required=False, help_text="E.g. clinics, EUR, days. Percentages use %."
    )
    start_value = NumberField(required=False, label="Start")
    target_value = NumberField(required=False, label="Target")
    direction = forms.ChoiceField(
        choices=Direction.choices,
        help_text="Whether the number should go up or down. Yes/no results always go to yes.",
    )
    weight = NumberField(
        initial=1, min_value=0, help_text="How much it counts in the objective's progress."
    )
    owner = PersonChoiceField(
        queryset=User.objects.none(), required=False, help_text="Checks in every week."
    )
    outcome_measure = forms.ModelChoiceField(
        queryset=OutcomeMeasure.objects.none(),
        required=False,
        empty_label="— None —",
        label="Moves KPI",
    )

    def __init__(self, *args, people, kpis, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["owner"].queryset = people
        self.fields["outcome_measure"].queryset = kpis


class CheckInForm(forms.Form):
    value = NumberField(label="Current value")
    confidence = forms.TypedChoiceField(
        choices=rules.CONFIDENCE_CHOICES,
        coerce=int,
        label="Confidence to reach the target",
        help_text="0 no chance · 5 even odds · 10 certain.",
    )
    note = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 3}),
        required=False,
        label="What moved it, what is in the way",
    )

    def __init__(self, *args, key_result: KeyResult, **kwargs):
        super().__init__(*args, **kwargs)
        if key_result.metric_kind == KeyResult.Kind.BOOLEAN:
            self.fields["value"] = forms.TypedChoiceField(
                choices=[("1", "Yes"), ("0", "No")],
                coerce=int,
                widget=forms.RadioSelect,
                label="Reached?",
            )
        elif key_result.metric_kind == KeyResult.Kind.MILESTONE:
            self.fields["value"].label = "Milestones reached"
        elif key_result.unit:
            self.fields["value"].label = f"Current value ({key_result.unit})"


class WorkPackageChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj: WorkPackage) -> str:
        return f"{obj.title} — {obj.team.name}"


class ContributionForm(forms.Form):
    work_package = WorkPackageChoiceField(
        queryset=WorkPackage.objects.none(), label="Work package that feeds it"
    )

    def __init__(self, *args, work_packages, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["work_package"].queryset = work_packages


class OutcomeMeasureForm(forms.Form):
    strategic_objective = StrategicChoiceField(
        queryset=StrategicObjective.objects.none(), label="Judges strategic objective"
    )
    name = forms.CharField(
        max_length=200, help_text="A business outcome, e.g. “Net revenue retention”."
    )
    unit = forms.CharField(max_length=20, required=False)
    direction = forms.ChoiceField(choices=Direction.choices, label="Better when it goes")
    target_value = NumberField(label="Target")
    target_date = forms.DateField(widget=DateInput(), required=False, label="Target by")
    description = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 2}), required=False, label="How it is measured"
    )

    def __init__(self, *args, strategic_objectives, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["strategic_objective"].queryset = strategic_objectives


class OutcomeValueForm(forms.Form):
    observed_on = forms.DateField(widget=DateInput(), label="Observed on")
    value = NumberField()
    note = forms.CharField(max_length=300, required=False)


class GradeField(forms.DecimalField):
    def __init__(self, **kwargs):
        super().__init__(
            min_value=0,
            max_value=1,
            max_digits=3,
            decimal_places=2,
            widget=forms.NumberInput(attrs={"step": "0.1", "min": "0", "max": "1"}),
            **kwargs,
        )


class CycleCloseForm(forms.Form):
    """One grade and note per objective, a tick per unfinished key result, and where to carry."""

    next_cycle = forms.ModelChoiceField(
        queryset=Cycle.objects.none(),
        required=False,
        empty_label="— Do not carry anything —",
        label="Carry the ticked key results into",
    )

    def __init__(self, *args, objectives, unfinished, cycles, carry_by_default=True, **kwargs):
        super().__init__(*args, **kwargs)
        self.objectives = objectives
        self.unfinished = unfinished
        self.fields["next_cycle"].queryset = cycles
        for o in objectives:
            self.fields[f"grade_{o.pk}"] = GradeField(
                label="Grade (0.0–1.0)",
                initial=o.grade if o.grade is not None else rules.suggested_grade(o.progress),
            )
            self.fields[f"note_{o.pk}"] = forms.CharField(
                label="What it taught us",
                initial=o.retrospective,
                widget=forms.Textarea(attrs={"rows": 2}),
            )
        for kr in unfinished:
            self.fields[f"carry_{kr.pk}"] = forms.BooleanField(
                required=False, initial=carry_by_default, label=kr.title
            )

    def grade_rows(self):
        return [(o, self[f"grade_{o.pk}"], self[f"note_{o.pk}"]) for o in self.objectives]

    def carry_rows(self):
        return [(kr, self[f"carry_{kr.pk}"]) for kr in self.unfinished]

    def grades(self) -> dict:
        data = self.cleaned_data
        return {o.pk: (data[f"grade_{o.pk}"], data[f"note_{o.pk}"]) for o in self.objectives}

    def carried(self) -> list:
        return [kr for kr in self.unfinished if self.cleaned_data.get(f"carry_{kr.pk}")]
