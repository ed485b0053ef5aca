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
            structure = data.get("structure")
            animators.setdefault(getattr(pole, "pk", pole), []).append((pole, structure, form))
        return animators

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
