"""Form behaviour the staff admin adds to the directory's model forms.

These are mixins, combined with whatever form class the admin builds (see
editors.admin.mixins), so that other form customisations (widgets, extra fields)
keep working alongside them.
"""

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from editors import scopes

# Defined here before editors.locking: kept importable from here.
from editors.locking import LOCK_FIELD as LOCK_FIELD
from poles import services as poles_services
from poles.models import LegalForm
from poles.validators import normalize_siret
from registry import provenance
from territories.models import Commune


class PoleScopeFormMixin:
    """A non-national editor cannot move a pole out of their own scope, nor (a
    coordinator, a network's editor) its seat out of its département.

    Checked on the values submitted, before anything is saved: a crafted POST that
    moves the seat to another région (or drops the network that put the pole in
    scope) gets a field error and changes nothing.
    """

    editor = None  # set by the admin on the form class it builds for the request

    def clean(self):
        cleaned_data = super().clean()
        user = self.editor
        if user is None or scopes.is_national(user):
            return cleaned_data
        if {"seat_commune", "networks"} & set(self.errors):
            return cleaned_data
        seat, network_ids = self._seat_and_networks(cleaned_data)
        if not scopes.pole_would_be_in_scope(
            user, seat_commune=seat, network_ids=network_ids, pole_pk=self.instance.pk
        ):
            self._refuse_leaving_scope()
        elif "seat_commune" in self.changed_data and not scopes.seat_move_allowed(
            user, pole=self.instance, seat_commune=seat
        ):
            self.add_error(
                "seat_commune",
                _(
                    "The seat can move only within the pole's current département or your "
                    "own territory. Ask a territorial editor of the new place, or a "
                    "national administrator, to move the pole there."
                ),
            )
        return cleaned_data

    def _seat_and_networks(self, cleaned_data):
        """The seat and networks the pole would have once saved (the form's, or the
        stored ones for the fields this form leaves out)."""
        if "seat_commune" in self.fields:
            seat = cleaned_data.get("seat_commune")
        else:
            seat = self.instance.seat_commune
        if "networks" in self.fields:
            network_ids = [network.pk for network in cleaned_data.get("networks") or []]
        elif self.instance.pk:
            network_ids = list(self.instance.networks.values_list("pk", flat=True))
        else:
            network_ids = []
        return seat, network_ids

    def _refuse_leaving_scope(self) -> None:
        if "networks" in self.changed_data and "seat_commune" not in self.changed_data:
            self.add_error(
                "networks",
                _(
                    "Without this network the pole would leave your editing scope. Keep the "
                    "network, or ask a national administrator to change it."
                ),
            )
        else:
            self.add_error(
                "seat_commune" if "seat_commune" in self.fields else None,
                _(
                    "This commune lies outside your editing scope (your régions, départements, "
                    "networks and poles). Choose a commune in your territory, or ask a national "
                    "administrator to move the pole."
                ),
            )


class MembershipInlineFormSet(forms.BaseInlineFormSet):
    """Checks "one current animator per pole" for the whole submission, and saves it in
    an order the database accepts.

    Replacing a pole's animator is one save: the old animator gets a year left (or
    another role, or is deleted) and another structure becomes the animator. Row by row
    against the database the new animator would collide with the old one, so the rule
    is checked here on the submission as a whole (plus the pole's stored memberships
    the form does not show), and the demotions are saved before the promotions.
    """

    def _construct_form(self, i, **kwargs):
        form = super()._construct_form(i, **kwargs)
        # See Membership.get_constraints: this form set checks the rule itself.
        form.instance.animator_checked_by_formset = True
        return form

    def clean(self):
        super().clean()
        if any(self.errors):
            return
        self._check_new_structures()
        animators = self._current_animators()
        if animators:
            self._check_stored_animators(animators)
            self._check_animators_of_this_form(animators)

    def _current_animators(self) -> dict:
        """The rows of this submission that make a structure the current animator, by
        pole (their submitted state counts, not their stored one)."""
        animators = {}
        for form in self.forms:
            data = getattr(form, "cleaned_data", None)
            if not data or data.get("DELETE"):
                continue
            if data.get("role") != "animator" or data.get("left_year") is not None:
                continue
            pole = data.get("pole") or self.instance
            structure = data.get("structure") or getattr(form, "new_structure", None)
            animators.setdefault(getattr(pole, "pk", pole), []).append((pole, structure, form))
        return animators

    def _check_new_structures(self) -> None:
        """Two rows of one submission cannot create the same structure (same SIRET, or
        same name in the same commune): each row alone passes the checks against the
        database, and the second would then be refused by it."""
        seen = {}
        for form in self.forms:
            structure = getattr(form, "new_structure", None)
            data = getattr(form, "cleaned_data", None)
            if structure is None or not data or data.get("DELETE"):
                continue
            keys = [("name", structure.name.casefold(), structure.commune_id)]
            if structure.siret:
                keys.append(("siret", structure.siret))
            for key in keys:
                if key in seen:
                    form.add_error(
                        "new_structure_siret" if key[0] == "siret" else "new_structure_name",
                        _("Another row of this page already creates this structure."),
                    )
                    raise ValidationError(
                        _("Two rows create the same structure “%(name)s”: keep one of them.")
                        % {"name": structure.name},
                        code="same_new_structure",
                    )
                seen[key] = form

    def _check_stored_animators(self, animators) -> None:
        submitted_pks = {form.instance.pk for form in self.initial_forms if form.instance.pk}
        stored = self.model._default_manager.filter(
            pole_id__in=list(animators), role="animator", left_year__isnull=True
        ).exclude(pk__in=submitted_pks)
        stored_animators = {}
        for pole_id, name in stored.values_list("pole_id", "structure__name"):
            stored_animators.setdefault(pole_id, name)
        for pole_id, entries in animators.items():
            if pole_id not in stored_animators:
                continue
            for _pole, _structure, form in entries:
                form.add_error(
                    None,
                    _(
                        "This pole already has a current animator (%(name)s): give it a "
                        "year left or another role first."
                    )
                    % {"name": stored_animators[pole_id]},
                )
            raise ValidationError(
                _(
                    "This pole already has a current animator: give the other one a year "
                    "left first."
                ),
                code="two_current_animators",
            )

    def _check_animators_of_this_form(self, animators) -> None:
        for entries in animators.values():
            if len(entries) < 2:
                continue
            names = ", ".join(str(structure) for _pole, structure, _form in entries)
            for _pole, _structure, form in entries[1:]:
                form.add_error(
                    "left_year",
                    gettext_lazy("Give a year left: the pole already has a current animator."),
                )
            raise ValidationError(
                _(
                    "A pole has one current animator, and these are all marked as current "
                    "animators: %(names)s. Give the former animator a year left, or change its "
                    "role."
                )
                % {"names": names},
                code="two_current_animators",
            )

    # Saving: the rows that stop being a current animator go first ---------------------

    def save_existing_objects(self, commit=True):
        self._saving_existing = True
        try:
            return super().save_existing_objects(commit)
        finally:
            self._saving_existing = False

    @property
    def initial_forms(self):
        forms_ = super().initial_forms
        if not getattr(self, "_saving_existing", False):
            return forms_
        deleted = set(self.deleted_forms)

        def rank(form):
            if form in deleted:
                return 0
            return 2 if form.instance.is_current_animator else 1

        # Stable: within a rank, the order of the form.
        return sorted(forms_, key=rank)


class PoleMembershipForm(forms.ModelForm):
    """A membership row of the pole form that may create its structure.

    An editor picks an existing structure, or describes a new one in the same row
    (name, SIRET, commune, legal form): it is validated with the rest of the page and
    created when the page is saved, in the same transaction and revision, with the
    editor as its creator (see editors.scopes.attachable_structures). No second window.

    The SIRET input carries `data-siret-lookup` (the admin gives it the look-up URL):
    registry/siret_lookup.js fills the inputs named like it with `siret` replaced by
    `name`, `commune`, `legal_form` and `registry_token` (the signed look-up), so the
    new structure records which fields came from the registry (registry.provenance),
    as the structure form does.
    """

    NEW_FIELDS = {
        "new_structure_name": "name",
        "new_structure_siret": "siret",
        "new_structure_commune": "commune",
        "new_structure_legal_form": "legal_form",
    }

    new_structure_name = forms.CharField(
        label=gettext_lazy("name of a new structure"),
        max_length=255,
        required=False,
        widget=forms.TextInput(attrs={"data-new-structure": "name"}),
    )
    new_structure_siret = forms.CharField(
        label=gettext_lazy("its SIRET"),
        max_length=20,
        required=False,
        widget=forms.TextInput(
            attrs={
                "data-new-structure": "siret",
                "data-siret-lookup": "",
                "inputmode": "numeric",
                "autocomplete": "off",
                "size": 16,
            }
        ),
    )
    # Their widgets (autocomplete) are given by the admin, which knows its site.
    new_structure_commune = forms.ModelChoiceField(
        label=gettext_lazy("its commune"), queryset=Commune.objects.all(), required=False
    )
    new_structure_legal_form = forms.ModelChoiceField(
        label=gettext_lazy("its legal form"), queryset=LegalForm.objects.all(), required=False
    )
    # Filled by the look-up script; named by its rule (the SIRET input's name, `siret`
    # replaced by `registry_token`).
    new_structure_registry_token = forms.CharField(required=False, widget=forms.HiddenInput)
    TOKEN_FIELD = "new_structure_registry_token"  # noqa: S105 (a field's name, not a secret)

    editor = None  # set by the admin on the form class it builds for the request

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.new_structure = None
        if "structure" in self.fields:
            # Either an existing structure or a new one: checked in clean().
            self.fields["structure"].required = False

    def clean(self):
        cleaned_data = super().clean()
        described = {
            attribute: cleaned_data.get(name)
            for name, attribute in self.NEW_FIELDS.items()
            if name in self.fields
        }
        wants_new = bool((described.get("name") or "").strip())
        if cleaned_data.get("structure") is not None:
            if wants_new:
                self.add_error(
                    "new_structure_name",
                    _(
                        "Choose an existing structure or describe a new one, not both: "
                        "empty one of them."
                    ),
                )
            return cleaned_data
        if not wants_new:
            if any(described.values()):
                self.add_error("new_structure_name", _("Give the new structure's name."))
            elif "structure" not in self.errors:
                self.add_error(
                    "structure",
                    _("Choose a structure, or create one by giving its name below."),
                )
            return cleaned_data
        try:
            self.new_structure = poles_services.new_structure(
                name=described["name"],
                siret=normalize_siret(described.get("siret") or ""),
                commune=described.get("commune"),
                legal_form=described.get("legal_form"),
                created_by=self.editor,
            )
            provenance.apply(
                self.new_structure,
                submitted=[
                    attribute for name, attribute in self.NEW_FIELDS.items() if name in self.fields
                ],
                changed_data=[],
                token=cleaned_data.get(self.TOKEN_FIELD) or "",
            )
        except ValidationError as error:
            for attribute, messages in error.message_dict.items():
                field = {v: k for k, v in self.NEW_FIELDS.items()}.get(attribute)
                self.add_error(field if field in self.fields else "new_structure_name", messages)
        return cleaned_data

    def structure_label(self) -> str:
        """How the submission names this row's structure (for the form set's messages)."""
        structure = self.cleaned_data.get("structure") or self.new_structure
        return str(structure) if structure is not None else ""

    def save(self, commit=True):
        if self.new_structure is not None and self.new_structure.pk is None:
            self.instance.structure = poles_services.create_structure(structure=self.new_structure)
        return super().save(commit)
