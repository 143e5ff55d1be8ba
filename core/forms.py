from django import forms
from django.contrib.auth.forms import AuthenticationForm, PasswordResetForm
from django.forms.renderers import TemplatesSetting
from django.utils.html import escape
from django.utils.safestring import mark_safe

from core.models import Role, Team


class FormRenderer(TemplatesSetting):
    """Every form renders its fields through one template, with each error beside its field."""

    form_template_name = "components/form.html"
    field_template_name = "components/field.html"


class LongSelect(forms.Select):
    """A ``<select>`` of hundreds or thousands of options (people, initiatives, teams of a large
    organization), written in Python: Django renders each option through two templates, which
    took ~200 ms for the 2 600 options of a review's decision form. Same markup, without the
    line breaks between options; optgroups fall back to Django's rendering."""

    def render(self, name, value, attrs=None, renderer=None):
        # Iterated, not list()ed: list() asks a ModelChoiceIterator its len(), a COUNT query.
        choices = [choice for choice in self.choices]
        if any(isinstance(label, list | tuple) for _, label in choices):
            return super().render(name, value, attrs, renderer)
        chosen = {str(v) for v in self.format_value(value)}
        # As django/forms/widgets/attrs.html writes them: in order, True bare, False left out.
        written = "".join(
            f" {k}" if v is True else f' {k}="{escape(v)}"'
            for k, v in self.build_attrs(self.attrs, attrs).items()
            if v is not False
        )
        parts = [f'<select name="{escape(name)}"{written}>']
        selected_one = False
        for option_value, label in choices:
            text = "" if option_value is None else str(option_value)
            selected = not selected_one and text in chosen
            selected_one = selected_one or selected
            mark = " selected" if selected else ""
            parts.append(f'<option value="{escape(text)}"{mark}>{escape(label)}</option>')
        parts.append("</select>")
        return mark_safe("".join(parts))  # noqa: S308 - every value and label is escaped


class PersonChoiceField(forms.ModelChoiceField):
    """One person of the organization (an owner): shown by name, in a long select."""

    widget = LongSelect

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("empty_label", "— Nobody yet —")
        super().__init__(*args, **kwargs)

    def label_from_instance(self, obj) -> str:
        return obj.display_name


def bound_data(request):
    """A form is bound on POST, even an empty one (so it shows "required" errors), else unbound."""
    return request.POST if request.method == "POST" else None


class SignInForm(AuthenticationForm):
    username = forms.EmailField(
        label="E-mail address",
        widget=forms.EmailInput(attrs={"autofocus": True, "autocomplete": "email"}),
    )


class PasswordResetRequestForm(PasswordResetForm):
    email = forms.EmailField(
        label="E-mail address",
        max_length=254,
        widget=forms.EmailInput(attrs={"autofocus": True, "autocomplete": "email"}),
    )


class OrganizationForm(forms.Form):
    name = forms.CharField(max_length=120)
    timezone = forms.CharField(
        max_length=64, help_text="For example Europe/Berlin or America/New_York."
    )
    fiscal_year_start_month = forms.TypedChoiceField(
        coerce=int,
        choices=[
            (i, m)
            for i, m in enumerate(
                [
                    "January",
                    "February",
                    "March",
                    "April",
                    "May",
                    "June",
                    "July",
                    "August",
                    "September",
                    "October",
                    "November",
                    "December",
                ],
                start=1,
            )
        ],
        label="Fiscal year starts in",
    )

    def clean_timezone(self):
        from core.models import validate_timezone

        value = self.cleaned_data["timezone"].strip()
        validate_timezone(value)
        return value


class TeamForm(forms.Form):
    name = forms.CharField(max_length=120)
    parent = forms.ModelChoiceField(
        queryset=Team.objects.none(), required=False, label="Inside team"
    )

    def __init__(self, *args, teams=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["parent"].queryset = teams if teams is not None else Team.objects.none()


class InviteForm(forms.Form):
    email = forms.EmailField(label="E-mail address")
    role = forms.ChoiceField(choices=Role.choices, initial=Role.MEMBER)
    teams = forms.ModelMultipleChoiceField(
        queryset=Team.objects.none(), required=False, widget=forms.CheckboxSelectMultiple
    )

    def __init__(self, *args, teams=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["teams"].queryset = teams if teams is not None else Team.objects.none()


class MembershipForm(forms.Form):
    role = forms.ChoiceField(choices=Role.choices)
    teams = forms.ModelMultipleChoiceField(
        queryset=Team.objects.none(), required=False, widget=forms.CheckboxSelectMultiple
    )

    def __init__(self, *args, teams=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["teams"].queryset = teams if teams is not None else Team.objects.none()


class AcceptInvitationForm(forms.Form):
    full_name = forms.CharField(max_length=150, label="Your name")
    password1 = forms.CharField(
        label="Password", widget=forms.PasswordInput(attrs={"autocomplete": "new-password"})
    )
    password2 = forms.CharField(
        label="Password again", widget=forms.PasswordInput(attrs={"autocomplete": "new-password"})
    )

    def __init__(self, *args, needs_password=True, **kwargs):
        super().__init__(*args, **kwargs)
        if not needs_password:
            del self.fields["password1"]
            del self.fields["password2"]

    def clean(self):
        data = super().clean()
        if "password1" in self.fields and data.get("password1") != data.get("password2"):
            self.add_error("password2", "The two passwords differ.")
        return data


class ApiTokenForm(forms.Form):
    name = forms.CharField(max_length=100, help_text="What will use it, e.g. “Jira sync”.")
    scope = forms.ChoiceField(
        choices=[("read", "Read only"), ("write", "Read and write")], initial="read"
    )
    expires_on = forms.DateField(
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
        help_text="Leave empty for a token that works until you revoke it.",
    )
