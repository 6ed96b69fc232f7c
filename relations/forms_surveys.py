"""Forms of the survey pages: the desk's new survey (from a template) and the portal's answers."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from relations.models import QuestionKind, Survey, SurveyTemplate
from relations.models.surveys import SCORES
from residents.models import Estate
from servicecenter.validators import validate_reasonable_date


class SurveyCreateForm(forms.Form):
    estate = forms.ModelChoiceField(queryset=Estate.objects.none(), label=_("Estate"))
    template = forms.ModelChoiceField(queryset=SurveyTemplate.objects.none(), label=_("Template"))
    title = forms.CharField(
        label=_("Title"), max_length=200, required=False, help_text=_("Empty: the template's title.")
    )
    opens_on = forms.DateField(
        label=_("Opens on"),
        widget=forms.DateInput(attrs={"type": "date"}),
        validators=[validate_reasonable_date],
    )
    closes_on = forms.DateField(
        label=_("Closes on"),
        widget=forms.DateInput(attrs={"type": "date"}),
        validators=[validate_reasonable_date],
    )

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["estate"].queryset = Estate.objects.visible_to(user).order_by("code")
        self.fields["template"].queryset = SurveyTemplate.objects.filter(is_active=True).order_by("code")


class SurveyFilterForm(forms.Form):
    estate = forms.ModelChoiceField(queryset=Estate.objects.none(), label=_("Estate"), required=False)
    status = forms.ChoiceField(
        label=_("Status"), required=False, choices=[("", _("All")), *Survey.Status.choices]
    )

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["estate"].queryset = Estate.objects.visible_to(user).order_by("code")


class SurveyAnswerForm(forms.Form):
    """One field per question: `q<id>`, a 1–5 radio group or a text area."""

    def __init__(self, *args, questions, **kwargs):
        super().__init__(*args, **kwargs)
        self.questions = questions
        for question in questions:
            name = f"q{question.pk}"
            if question.is_scale:
                self.fields[name] = forms.TypedChoiceField(
                    label=question.label,
                    choices=[(s, str(s)) for s in SCORES],
                    coerce=int,
                    widget=forms.RadioSelect,
                    required=question.is_required,
                    empty_value=None,
                )
            else:
                self.fields[name] = forms.CharField(
                    label=question.label,
                    required=question.is_required,
                    max_length=2000,
                    widget=forms.Textarea(attrs={"rows": 3}),
                )

    def answers(self) -> dict:
        return {q.pk: self.cleaned_data.get(f"q{q.pk}") for q in self.questions}

    def rows(self):
        """(question, bound field) in the survey's order, for the template."""
        return [(q, self[f"q{q.pk}"]) for q in self.questions]


class SurveyQuestionForm(forms.Form):
    """One row of the desk's question editor (a formset: ORDER to reorder, DELETE to remove,
    blank extra rows to add)."""

    question_id = forms.IntegerField(widget=forms.HiddenInput, required=False)
    kind = forms.ChoiceField(label=_("Kind"), choices=QuestionKind.choices)
    text = forms.CharField(label=_("Question"), max_length=300)
    text_en = forms.CharField(label=_("Question in English"), max_length=300, required=False)
    is_required = forms.BooleanField(label=_("Required"), required=False, initial=True)


SurveyQuestionFormSet = forms.formset_factory(
    SurveyQuestionForm, extra=2, can_order=True, can_delete=True, max_num=50, validate_max=True
)
