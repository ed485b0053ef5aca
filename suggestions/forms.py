"""The public's forms: a correction of a pole, a pole to add.

Every form carries the same protections (see SuggestionFormBase): a honeypot field,
a signed time stamp refusing forms sent too fast (or too late), no HTML markup in
any text, addresses limited to http and https, and a length limit on every field.
The rate limits are the view's (suggestions.ratelimit).
"""

import re
import time
from decimal import Decimal

from django import forms
from django.conf import settings
from django.core import signing
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator, URLValidator
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from poles.constants import YEAR_MIN
from poles.models import Pole

from .locations import AmbiguousLocation, resolve_location

# "<" followed by a letter, "/", "!" or "?": the start of a tag, a closing tag, a
# comment or a processing instruction. "a < b" and "<3" stay allowed.
MARKUP = re.compile(r"<\s*[A-Za-z/!?]")
PHONE = re.compile(r"^[0-9+().\s-]{6,30}$")
STARTED_SALT = "suggestions.form-started"
HONEYPOT = "fax"


def no_markup(value):
    if isinstance(value, str) and MARKUP.search(value):
        raise ValidationError(
            _(
                "HTML markup is not accepted: write plain text, without “<” followed by a "
                "letter or a slash."
            ),
            code="markup",
        )


web_address = URLValidator(
    schemes=["http", "https"],
    message=_("Enter a web address starting with http:// or https://."),
)


def started_token(at: float | None = None) -> str:
    """The signed time a form was displayed at."""
    return signing.dumps(round(at if at is not None else time.time(), 3), salt=STARTED_SALT)


def min_fill_seconds() -> float:
    return float(getattr(settings, "SUGGESTIONS_MIN_FILL_SECONDS", 3))


def max_form_age() -> float:
    return float(getattr(settings, "SUGGESTIONS_MAX_FORM_AGE", 24 * 3600))


def text(label, *, max_length, required=False, rows=None, help_text=""):
    widget = forms.Textarea(attrs={"rows": rows}) if rows else forms.TextInput
    return forms.CharField(
        label=label, max_length=max_length, required=required, widget=widget, help_text=help_text
    )


class SuggestionFormBase(forms.Form):
    """Fields and checks shared by both forms; subclasses add the proposed fields."""

    # Names of the fields whose values are proposed, mapped to the suggestion's keys.
    proposed_fields: dict[str, str] = {}

    comment = text(
        _("Comment"),
        max_length=2000,
        rows=4,
        help_text=_("Anything the editors should know (optional)."),
    )
    source = text(
        _("Source of the information"),
        max_length=1000,
        required=True,
        rows=2,
        help_text=_(
            "A web page, a document, or who you are (for example: “I coordinate this "
            "pole”). Not published as such."
        ),
    )
    contributor_email = forms.EmailField(
        label=_("Your e-mail address"),
        max_length=254,
        help_text=_("Never published: used only to answer you about this suggestion."),
    )
    privacy = forms.BooleanField(
        label=_(
            "I have read the notice above and agree that my e-mail address is kept to answer me."
        ),
        error_messages={"required": _("Tick this box to send the suggestion.")},
    )
    # The honeypot: hidden from people (off screen, out of the tab order, hidden
    # from screen readers); a robot filling every input fills it.
    fax = forms.CharField(label=_("Leave this field empty"), required=False, max_length=100)
    started = forms.CharField(widget=forms.HiddenInput, required=False, max_length=200)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for field in self.fields.values():
            if isinstance(field, forms.CharField):
                field.validators.append(no_markup)
        self.fields[HONEYPOT].widget.attrs.update(tabindex="-1", autocomplete="off")
        self.fields["contributor_email"].widget.attrs["autocomplete"] = "email"

    # -- what the template needs ------------------------------------------------------

    @property
    def started_value(self) -> str:
        """The time stamp to carry on: the one sent back while it is valid (a person
        correcting an error need not wait again), else a fresh one."""
        if self.is_bound and self._started_at() is not None:
            return self.data.get("started", "")
        return started_token()

    @property
    def visible_fields_with_errors(self):
        return [field for field in self if field.errors and not field.is_hidden]

    # -- checks -----------------------------------------------------------------------

    def _started_at(self) -> float | None:
        try:
            value = signing.loads(self.data.get("started", ""), salt=STARTED_SALT)
        except signing.BadSignature:
            return None
        if not isinstance(value, int | float):
            return None
        if time.time() - value > max_form_age():
            return None
        return float(value)

    def clean(self):
        cleaned = super().clean()
        if self.data.get(HONEYPOT):
            raise ValidationError(
                _("This form could not be sent: leave the field “%(label)s” empty.")
                % {"label": self.fields[HONEYPOT].label},
                code="honeypot",
            )
        started = self._started_at()
        if started is None:
            raise ValidationError(
                _("This form has expired or was altered: check your entries and send it again."),
                code="expired",
            )
        if time.time() - started < min_fill_seconds():
            raise ValidationError(
                _("This form was sent too quickly: check your entries and send it again."),
                code="too_fast",
            )
        return cleaned

    def proposed(self) -> dict:
        """The proposed values the contributor gave, by the suggestion's keys."""
        values = {}
        for field_name, key in self.proposed_fields.items():
            value = self.cleaned_data.get(field_name)
            if value in (None, ""):
                continue
            if isinstance(value, Decimal):
                value = str(value)
            values[key] = value
        return values


class CommaDecimalField(forms.DecimalField):
    """A decimal number typed either way: "12,5" as in French, or "12.5"."""

    def to_python(self, value):
        if isinstance(value, str):
            value = value.replace(",", ".").replace(" ", "").replace("\u202f", "")
        return super().to_python(value)


STATUS_CHOICES = [("", _("(unchanged)")), *Pole.Status.choices]


class PoleFieldsMixin(forms.Form):
    """The pole's public fields a contributor may propose."""

    summary = text(_("Summary"), max_length=400, rows=2, help_text=_("One or two sentences."))
    description = text(_("Description"), max_length=5000, rows=6)
    website = forms.URLField(
        label=_("Website"),
        max_length=200,
        required=False,
        assume_scheme="https",
        validators=[web_address],
    )
    pole_email = forms.EmailField(
        label=_("Contact e-mail of the pole"),
        max_length=254,
        required=False,
        help_text=_("An organisation's address, published on the pole's page."),
    )
    pole_phone = forms.CharField(
        label=_("Contact phone of the pole"), max_length=30, required=False
    )

    def clean_pole_phone(self):
        value = self.cleaned_data.get("pole_phone", "")
        if value and not PHONE.match(value):
            raise ValidationError(
                _("A phone number has digits, spaces and + ( ) . - only."), code="phone"
            )
        return value


POLE_KEYS = {
    "summary": "summary",
    "description": "description",
    "website": "website",
    "pole_email": "email",
    "pole_phone": "phone",
}


class CorrectionForm(PoleFieldsMixin, SuggestionFormBase):
    proposed_fields = {
        **POLE_KEYS,
        "status": "status",
        "figure_year": "figure_year",
        "figure_etp": "figure_etp",
        "figure_turnover": "figure_turnover",
        "figure_member_structures_count": "figure_member_structures_count",
        "figure_cooperators_count": "figure_cooperators_count",
        "member_structures": "member_structures",
    }

    status = forms.ChoiceField(
        label=_("Status"),
        choices=STATUS_CHOICES,
        required=False,
        help_text=_("Choose “closed” if this pole has ceased its activity."),
    )
    figure_year = forms.IntegerField(label=_("Year of the figures"), required=False)
    figure_etp = CommaDecimalField(
        label=_("Jobs (full-time equivalents)"),
        required=False,
        min_value=0,
        max_digits=10,
        decimal_places=1,
    )
    figure_turnover = forms.IntegerField(
        label=_("Turnover (€)"), required=False, min_value=0, max_value=10**13
    )
    figure_member_structures_count = forms.IntegerField(
        label=_("Number of member structures"), required=False, min_value=0, max_value=10**6
    )
    figure_cooperators_count = forms.IntegerField(
        label=_("Number of cooperators"), required=False, min_value=0, max_value=10**6
    )
    member_structures = text(
        _("Member structures"),
        max_length=5000,
        rows=5,
        help_text=_("One structure per line: the ones missing from the page."),
    )

    FIGURES = (
        "figure_etp",
        "figure_turnover",
        "figure_member_structures_count",
        "figure_cooperators_count",
    )

    def __init__(self, *args, pole, **kwargs):
        self.pole = pole
        super().__init__(*args, **kwargs)
        this_year = timezone.now().year
        self.fields["figure_year"].validators += [
            MinValueValidator(YEAR_MIN),
            MaxValueValidator(this_year),
        ]
        self.fields["figure_year"].widget.attrs.update(min=YEAR_MIN, max=this_year)

    def clean_member_structures(self):
        value = self.cleaned_data.get("member_structures", "")
        lines = [line.strip() for line in value.splitlines() if line.strip()]
        if len(lines) > 200:
            raise ValidationError(_("At most 200 structures, one per line."), code="too_many")
        if any(len(line) > 255 for line in lines):
            raise ValidationError(
                _("A structure's name has at most 255 characters."), code="too_long"
            )
        return "\n".join(lines)

    def clean(self):
        cleaned = super().clean()
        year = cleaned.get("figure_year")
        figures = [name for name in self.FIGURES if cleaned.get(name) is not None]
        if figures and year is None and "figure_year" not in self.errors:
            self.add_error("figure_year", _("Give the year of these figures."))
        if year is not None and not figures:
            self.add_error("figure_year", _("Give at least one figure for this year."))
        if not self.errors and not self.proposed() and not cleaned.get("comment"):
            raise ValidationError(
                _("Propose at least one change, or describe it in the comment."),
                code="empty",
            )
        return cleaned


class NewPoleForm(PoleFieldsMixin, SuggestionFormBase):
    proposed_fields = {"name": "name", **POLE_KEYS}
    field_order = ["name", "location"]

    name = forms.CharField(label=_("Name of the pole"), max_length=200)
    location = forms.CharField(
        label=_("Commune, département or région"),
        max_length=200,
        help_text=_(
            "Its name or INSEE code; for a commune sharing its name with others, add the "
            "code in parentheses: “Saint-Paul (97415)”."
        ),
    )

    def clean_location(self):
        value = self.cleaned_data.get("location", "")
        try:
            found = resolve_location(value)
        except AmbiguousLocation as error:
            raise ValidationError(str(error), code="ambiguous") from error
        if found is None:
            raise ValidationError(
                _("No commune, département or région of that name or code was found."),
                code="unknown",
            )
        self.resolved_location = found
        return value

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["source"].label = _("Source or contact")
        self.fields["source"].help_text = _(
            "A web page or document naming the pole, or how to reach it. Not published as such."
        )
