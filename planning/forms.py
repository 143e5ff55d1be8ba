from django import forms

from core.forms import PersonChoiceField
from core.models import Team, User
from planning.models import Initiative, StrategicObjective, WorkPackage


class DateInput(forms.DateInput):
    input_type = "date"

    def __init__(self, **kwargs):
        super().__init__(format="%Y-%m-%d", **kwargs)


class LinesField(forms.CharField):
    """A list of short lines, typed one per line."""

    widget = forms.Textarea

    def __init__(self, *, max_line=300, **kwargs):
        self.max_line = max_line
        kwargs.setdefault("required", False)
        super().__init__(**kwargs)
        self.widget.attrs.setdefault("rows", 4)

    def prepare_value(self, value):
        if isinstance(value, list | tuple):
            return "\n".join(value)
        return value

    def to_python(self, value):
        text = super().to_python(value) or ""
        lines = [line.strip() for line in text.splitlines() if line.strip()]
        too_long = [line for line in lines if len(line) > self.max_line]
        if too_long:
            raise forms.ValidationError(f"Keep each line under {self.max_line} characters.")
        return lines


class StrategicObjectiveForm(forms.Form):
    statement = forms.CharField(
        max_length=300,
        help_text="The outcome you choose to pursue, not a project. "
        "If it can be completed or launched, it is a tactic.",
    )
    rationale = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 4}),
        required=False,
        help_text="Why this choice, and why now.",
    )
    horizon_start = forms.DateField(widget=DateInput())
    horizon_end = forms.DateField(widget=DateInput())
    trade_offs = LinesField(label="Trade-offs: what we will not do", help_text="One per line.")
    outcome_measures = LinesField(
        help_text="Business outcomes that show it is working; one per line."
    )
    owner = PersonChoiceField(queryset=User.objects.none(), required=False)
    priority = forms.IntegerField(min_value=1, initial=1, help_text="1 is the most important.")
    status = forms.ChoiceField(choices=StrategicObjective.Status.choices, initial="draft")

    def __init__(self, *args, people=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["owner"].queryset = people if people is not None else User.objects.none()

    def clean(self):
        data = super().clean()
        start, end = data.get("horizon_start"), data.get("horizon_end")
        if start and end and end <= start:
            self.add_error("horizon_end", "The horizon must end after it starts.")
        return data


class InitiativeForm(forms.Form):
    strategic_objective = forms.ModelChoiceField(queryset=StrategicObjective.objects.none())
    title = forms.CharField(max_length=200)
    description = forms.CharField(widget=forms.Textarea(attrs={"rows": 4}), required=False)
    owner = PersonChoiceField(queryset=User.objects.none(), required=False)
    teams = forms.ModelMultipleChoiceField(
        queryset=Team.objects.none(), required=False, widget=forms.CheckboxSelectMultiple
    )
    start_date = forms.DateField(widget=DateInput(), required=False)
    end_date = forms.DateField(widget=DateInput(), required=False)
    status = forms.ChoiceField(choices=Initiative.Status.choices, initial="planned")

    def __init__(self, *args, objectives=None, people=None, teams=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["strategic_objective"].queryset = objectives
        self.fields["owner"].queryset = people
        self.fields["teams"].queryset = teams

    def clean(self):
        data = super().clean()
        start, end = data.get("start_date"), data.get("end_date")
        if start and end and end < start:
            self.add_error("end_date", "The end date cannot be before the start date.")
        return data


class InitiativeChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj: Initiative) -> str:
        return f"{obj.title} — {obj.strategic_objective.statement}"


class WorkPackageForm(forms.Form):
    title = forms.CharField(max_length=200)
    description = forms.CharField(widget=forms.Textarea(attrs={"rows": 3}), required=False)
    team = forms.ModelChoiceField(queryset=Team.objects.none())
    initiative = InitiativeChoiceField(
        queryset=Initiative.objects.none(),
        required=False,
        empty_label="— Not linked to strategy —",
        help_text="The initiative (and so the strategic choice) this work supports.",
    )
    owner = PersonChoiceField(queryset=User.objects.none(), required=False)
    start_date = forms.DateField(widget=DateInput(), required=False)
    due_date = forms.DateField(widget=DateInput(), required=False)
    output_kind = forms.ChoiceField(
        choices=[("", "—"), *WorkPackage.OutputKind.choices], required=False, label="Output kind"
    )
    outputs = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 2}), required=False, help_text="What it will produce."
    )
    success_criterion = forms.CharField(
        max_length=300,
        required=False,
        label="Success check",
        help_text="How you will judge whether to continue, revise or stop.",
    )
    success_review_date = forms.DateField(widget=DateInput(), required=False, label="Check on")
    category = forms.ChoiceField(choices=WorkPackage.Category.choices, initial="strategic")
    estimate = forms.IntegerField(
        min_value=0, max_value=1000, required=False, label="Estimate (points)"
    )
    status = forms.ChoiceField(choices=WorkPackage.Status.choices, required=False)
    reopen_reason = forms.CharField(
        required=False,
        label="Why reopen?",
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text="Needed only when you reopen done or stopped work.",
    )

    def __init__(self, *args, teams=None, initiatives=None, people=None, creating=False, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["team"].queryset = teams
        self.fields["initiative"].queryset = initiatives
        self.fields["owner"].queryset = people
        if creating:
            del self.fields["reopen_reason"]
            self.fields["status"].choices = [
                ("", "Decide for me (ready when complete)"),
                *[
                    c
                    for c in WorkPackage.Status.choices
                    if c[0] in ("intention", "ready", "in_progress")
                ],
            ]

    def clean(self):
        data = super().clean()
        start, due = data.get("start_date"), data.get("due_date")
        if start and due and due < start:
            self.add_error("due_date", "The due date cannot be before the start date.")
        return data


class DecisionForm(forms.Form):
    decision = forms.ChoiceField(choices=WorkPackage.Decision.choices, widget=forms.RadioSelect)
    decision_reason = forms.CharField(
        label="Reason",
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text="What the success check showed.",
    )


class QuickStatusForm(forms.Form):
    status = forms.ChoiceField(choices=WorkPackage.Status.choices)
