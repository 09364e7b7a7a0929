from __future__ import annotations

import uuid
from collections.abc import Callable
from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from micromastery.common.forms import RenderedOnceBoundField
from micromastery.common.models import max_length_of
from practice.models import Enrollment, PracticeAttempt

CONFIDENCE_CHOICES = [
    (1, "1"),
    (2, "2"),
    (3, "3"),
    (4, "4"),
    (5, "5"),
]


class CatalogFilterForm(forms.Form):
    q = forms.CharField(label=_("Search"), required=False, max_length=100)
    topic = forms.ChoiceField(label=_("Topic"), required=False)

    def __init__(self, *args: Any, topics: list[tuple[str, str]], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["topic"]
        assert isinstance(field, forms.ChoiceField)
        field.choices = [("", _("All topics")), *topics]


class PersonalPayoffForm(forms.Form):
    personal_payoff = forms.CharField(
        label=_("What success looks like for me"),
        required=False,
        max_length=max_length_of(Enrollment, "personal_payoff"),
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_(
            "In your own words: an easier week, a shorter meeting, a calmer customer. "
            "Reading it again keeps you going when practice gets hard."
        ),
    )


EVIDENCE_FIELDS: dict[str, Callable[[], forms.Field]] = {
    "number": lambda: forms.DecimalField(
        label=_("The number"),
        required=False,
        max_digits=14,
        decimal_places=4,
        help_text=_("The measure this step asks you to note."),
        widget=forms.NumberInput(attrs={"inputmode": "decimal", "step": "any"}),
    ),
    "link": lambda: forms.URLField(
        label=_("Link to what you made"),
        required=False,
        assume_scheme="https",
        max_length=max_length_of(PracticeAttempt, "evidence"),
        help_text=_("A document, a message or a recording: whatever shows the result."),
    ),
    "checkbox": lambda: forms.BooleanField(
        label=_("I did it as the step describes"), required=False
    ),
}


class EvidenceFormMixin:
    cleaned_data: dict[str, Any]
    fields: dict[str, forms.Field]

    def add_evidence_field(self, evidence_kind: str) -> None:
        # The step says what evidence it asks for; a reflection needs nothing more.
        evidence_field = EVIDENCE_FIELDS.get(evidence_kind)
        if evidence_field is not None:
            self.fields["evidence"] = evidence_field()

    def evidence_value(self) -> str:
        """The evidence as the service stores it: text, "yes" for a ticked box, or ""."""
        value = self.cleaned_data.get("evidence")
        if value is None or value is False or value == "":
            return ""
        if value is True:
            return "yes"
        return str(value)


class QuickLogForm(EvidenceFormMixin, forms.Form):
    """One tap: a confidence button; the evidence when the step asks for it; the rest optional.

    Each confidence button submits the form with its own value, so it works without
    JavaScript.
    """

    confidence = forms.TypedChoiceField(
        label=_("How confident do I feel now?"),
        choices=CONFIDENCE_CHOICES,
        coerce=int,
        error_messages={
            "required": _("Tap how confident you feel, from 1 to 5."),
            "invalid_choice": _("Tap how confident you feel, from 1 to 5."),
        },
    )
    what_happened = forms.CharField(
        label=_("What happened"),
        required=False,
        max_length=max_length_of(PracticeAttempt, "what_happened"),
        widget=forms.Textarea(attrs={"rows": 2}),
    )
    what_i_will_tweak = forms.CharField(
        label=_("What I will tweak next time"),
        required=False,
        max_length=max_length_of(PracticeAttempt, "what_i_will_tweak"),
        widget=forms.Textarea(attrs={"rows": 2}),
    )
    # Signed-in quick logs carry their key in the page; a link's key is its own nonce.
    submission_key = forms.UUIDField(required=False, widget=forms.HiddenInput)

    def __init__(self, *args: Any, evidence_kind: str = "reflection", **kwargs: Any) -> None:
        kwargs.setdefault("initial", {})
        kwargs["initial"].setdefault("submission_key", uuid.uuid4())
        super().__init__(*args, **kwargs)
        self.add_evidence_field(evidence_kind)


class AttemptForm(EvidenceFormMixin, forms.Form):
    """One practice attempt. The rules (spacing, locks, future times) live in the service."""

    # The step page shows it empty on every visit.
    bound_field_class = RenderedOnceBoundField

    what_i_did = forms.CharField(
        label=_("What I did"),
        max_length=max_length_of(PracticeAttempt, "what_i_did"),
        widget=forms.Textarea(attrs={"rows": 3}),
        error_messages={"required": _("Say what you did, in a few words.")},
    )
    what_happened = forms.CharField(
        label=_("What happened, and the feedback I got"),
        required=False,
        max_length=max_length_of(PracticeAttempt, "what_happened"),
        widget=forms.Textarea(attrs={"rows": 3}),
    )
    feedback_from = forms.CharField(
        label=_("Feedback from"),
        required=False,
        max_length=max_length_of(PracticeAttempt, "feedback_from"),
        help_text=_("A colleague, a customer, the numbers, yourself."),
    )
    what_i_will_tweak = forms.CharField(
        label=_("What I will tweak next time"),
        required=False,
        max_length=max_length_of(PracticeAttempt, "what_i_will_tweak"),
        widget=forms.Textarea(attrs={"rows": 2}),
    )
    confidence = forms.TypedChoiceField(
        label=_("How confident do I feel now?"),
        choices=CONFIDENCE_CHOICES,
        coerce=int,
        widget=forms.RadioSelect,
        help_text=_("1 is “not yet”, 5 is “I could teach it”."),
        error_messages={
            "required": _("Choose how confident you feel, from 1 to 5."),
            "invalid_choice": _("Choose how confident you feel, from 1 to 5."),
        },
    )
    minutes = forms.IntegerField(
        label=_("Minutes it took"),
        min_value=1,
        max_value=600,
        widget=forms.NumberInput(attrs={"inputmode": "numeric"}),
    )
    practiced_at = forms.DateTimeField(
        label=_("When I practised"),
        required=False,
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M"),
        help_text=_("Leave it empty if you practised just now."),
    )
    # Generated when the form is shown: sending the same form twice logs one attempt.
    submission_key = forms.UUIDField(required=False, widget=forms.HiddenInput)

    def __init__(
        self, *args: Any, estimated_minutes: int, evidence_kind: str = "reflection", **kwargs: Any
    ) -> None:
        kwargs.setdefault("initial", {})
        kwargs["initial"].setdefault("minutes", estimated_minutes)
        kwargs["initial"].setdefault("submission_key", uuid.uuid4())
        super().__init__(*args, **kwargs)
        self.add_evidence_field(evidence_kind)
