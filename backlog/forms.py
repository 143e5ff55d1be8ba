"""Forms only parse input; the rules live in backlog.services."""

from django import forms

from backlog.models import CapacityPolicy, ScoringModel, SprintCommitment
from core.models import Team
from planning.forms import DateInput
from planning.models import Initiative, StrategicObjective, WorkPackage

SCALE_CHOICES = [
    ("", "—"),
    ("1", "1 · very low"),
    ("2", "2 · low"),
    ("3", "3 · medium"),
    ("4", "4 · high"),
    ("5", "5 · very high"),
]


class ScaleField(forms.TypedChoiceField):
    """A 1–5 score; blank means not scored yet."""

    def __init__(self, **kwargs):
        kwargs.setdefault("required", False)
        super().__init__(choices=SCALE_CHOICES, coerce=int, empty_value=None, **kwargs)


class WeightField(forms.IntegerField):
    """0 to 10. The range is checked by the service, which says what is wrong in its own words."""

    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        self.widget.attrs.update(inputmode="numeric", min=0, max=ScoringModel.MAX_WEIGHT)


class ShareField(forms.IntegerField):
    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        self.widget.attrs.update(inputmode="numeric", min=0, max=100)


class ScoringModelForm(forms.Form):
    preset = forms.ChoiceField(
        choices=ScoringModel.Preset.choices,
        widget=forms.RadioSelect,
        label="How to score",
    )
    impact_weight = WeightField(label="Impact", help_text="How much it moves the outcome.")
    urgency_weight = WeightField(label="Urgency", help_text="What waiting costs.")
    effort_weight = WeightField(label="Effort", help_text="A cost: less effort scores higher.")
    strategic_fit_weight = WeightField(
        label="Strategic fit", help_text="From the work's link to a strategic objective."
    )
    risk_weight = WeightField(label="Risk reduced", help_text="Risk it takes away.")
    dependencies_weight = WeightField(
        label="Unblocks other work", help_text="Other work waiting on it."
    )


class CapacityPolicyForm(forms.Form):
    split = forms.ChoiceField(
        choices=CapacityPolicy.Split.choices, widget=forms.RadioSelect, label="Split"
    )
    strategic_share = ShareField(label="Strategic %", help_text="Category “strategic”.")
    tactical_share = ShareField(
        label="Tactical %",
        help_text="Simple split: every other category. Finer split: “tactical” only.",
    )
    urgent_share = ShareField(
        label="Urgent requests %",
        required=False,
        help_text="Finer split only: stakeholder requests.",
    )
    experimentation_share = ShareField(
        label="Experimentation %",
        required=False,
        help_text="Finer split only: experiments.",
    )
    maintenance_share = ShareField(
        label="Maintenance %",
        required=False,
        help_text="Finer split only: operational, technical debt, optimization.",
    )


class BacklogItemForm(forms.Form):
    category = forms.ChoiceField(choices=WorkPackage.Category.choices)
    estimate = forms.IntegerField(
        required=False, label="Estimate (points)", help_text="Sprints are planned in points."
    )
    impact = ScaleField(help_text="How much it moves the outcome it serves.")
    urgency = ScaleField(help_text="What waiting a sprint would cost.")
    effort = ScaleField(help_text="Blank: taken from the estimate.")
    risk = ScaleField(label="Risk reduced", help_text="Risk it takes away.")
    dependencies = ScaleField(label="Unblocks other work", help_text="Other work waiting on it.")
    reach = forms.IntegerField(
        required=False, label="Reach (RICE)", help_text="People it reaches per quarter."
    )
    confidence = forms.IntegerField(
        required=False,
        label="Confidence % (RICE)",
        help_text="How sure you are of reach and impact. Blank counts as 50 %.",
    )


class MoveForm(forms.Form):
    direction = forms.ChoiceField(choices=[("up", "Up"), ("down", "Down")], required=False)
    position = forms.IntegerField(required=False, min_value=1)
    reason = forms.CharField(required=False, max_length=300)
    next = forms.CharField(required=False)


class SprintForm(forms.Form):
    name = forms.CharField(max_length=120)
    goal = forms.CharField(
        max_length=300, required=False, help_text="What this sprint should make true."
    )
    start_date = forms.DateField(widget=DateInput())
    end_date = forms.DateField(widget=DateInput())
    capacity_points = forms.IntegerField(
        label="Capacity (points)", help_text="What the team can deliver in this sprint."
    )


class CommitForm(forms.Form):
    work_package = forms.ModelChoiceField(queryset=WorkPackage.objects.none(), label="Work package")
    reason = forms.CharField(
        required=False,
        label="Why commit it anyway?",
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text="Needed only when it goes past capacity or crowds out strategic work.",
    )

    def __init__(self, *args, work_packages=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["work_package"].queryset = (
            work_packages if work_packages is not None else WorkPackage.objects.none()
        )


class CloseSprintForm(forms.Form):
    """One outcome per committed work package, plus a note."""

    note = forms.CharField(
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
        label="What we learned",
        help_text="Optional: anything the next sprint or the review should know.",
    )

    def __init__(self, *args, commitments=(), **kwargs):
        super().__init__(*args, **kwargs)
        from backlog.services import default_outcome

        self.outcome_fields = []
        for commitment in commitments:
            wp = commitment.work_package
            name = f"outcome_{wp.pk}"
            self.fields[name] = forms.ChoiceField(
                choices=SprintCommitment.Outcome.choices,
                label=wp.title,
                initial=default_outcome(wp),
                widget=forms.RadioSelect,
            )
            self.outcome_fields.append(name)
        # The note comes last on the page.
        self.order_fields([*self.outcome_fields, "note"])

    def outcomes(self) -> dict[str, str]:
        return {
            name.removeprefix("outcome_"): self.cleaned_data[name] for name in self.outcome_fields
        }


class ObjectiveChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj: StrategicObjective) -> str:
        prefix = f"#{obj.priority} " if obj.status == "active" else f"({obj.get_status_display()}) "
        return prefix + obj.statement


class IdeaForm(forms.Form):
    title = forms.CharField(max_length=200)
    team = forms.ModelChoiceField(
        queryset=Team.objects.none(), help_text="Whose backlog it would join."
    )
    strategic_objective = ObjectiveChoiceField(
        queryset=StrategicObjective.objects.none(),
        required=False,
        empty_label="— None of them (say why it matters anyway) —",
        label="Serves strategic objective",
    )
    rationale = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 3}),
        label="Why it matters",
        help_text="How it serves that objective; what would change if we did it.",
    )
    description = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 3}), required=False, label="The idea in more detail"
    )

    def __init__(self, *args, teams=None, objectives=None, editing=False, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["team"].queryset = teams
        self.fields["strategic_objective"].queryset = objectives
        if editing:
            del self.fields["team"]


class RejectIdeaForm(forms.Form):
    rejection_reason = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 2}),
        label="Why not?",
        help_text="The proposer sees this.",
    )


class InitiativeChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj: Initiative) -> str:
        return f"{obj.title} — {obj.strategic_objective.statement}"


class PromoteIdeaForm(forms.Form):
    title = forms.CharField(max_length=200, label="Work package title")
    category = forms.ChoiceField(choices=WorkPackage.Category.choices)
    initiative = InitiativeChoiceField(
        queryset=Initiative.objects.none(),
        required=False,
        empty_label="— Not linked to strategy —",
        help_text="The initiative it advances: this is what gives it strategic fit.",
    )
    estimate = forms.IntegerField(required=False, label="Estimate (points)")

    def __init__(self, *args, initiatives=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["initiative"].queryset = initiatives
