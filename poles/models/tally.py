from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _


class MemberTally(models.Model):
    """The current member structures *homed* at a pole, by legal form: how many, how
    many hold an insertion (IAE) approval, have a known headcount band, employ fewer
    than 10 people.

    A structure's home is the pole with the lowest id among the poles it currently
    belongs to (any role, no year left): each current member structure is tallied at
    its home only, so the tallies of a set of poles add up without counting a structure
    twice. The structures that also belong to poles other than their home (about 8 %)
    are listed in `SharedMember`, so that a selection that leaves their home out still
    counts them, once (observatory/facts.py).

    Derived data, rebuilt by `poles.services.refresh_member_tallies` whenever a
    membership, a structure's legal form or headcount band, its approvals, an
    approval's IAE flag or a band's upper bound changes (poles/derived.py). The
    observatory reads these few rows per pole instead of every member structure.
    """

    pole = models.ForeignKey(
        "poles.Pole",
        on_delete=models.CASCADE,
        related_name="+",
        db_index=False,  # the unique constraints' indexes start with the pole
    )
    legal_form = models.ForeignKey(
        "poles.LegalForm", on_delete=models.CASCADE, null=True, related_name="+", db_index=False
    )
    structures = models.PositiveIntegerField()
    iae = models.PositiveIntegerField()
    band_known = models.PositiveIntegerField()
    under_ten = models.PositiveIntegerField()

    class Meta:
        verbose_name = _("member structures tally")
        verbose_name_plural = _("member structures tallies")
        # Derived data, never edited by hand: no permissions to list.
        default_permissions = ()
        constraints = [
            models.UniqueConstraint(
                fields=["pole", "legal_form"],
                condition=Q(legal_form__isnull=False),
                name="member_tally_one_row_per_form",
            ),
            models.UniqueConstraint(
                fields=["pole"],
                condition=Q(legal_form__isnull=True),
                name="member_tally_one_row_without_form",
            ),
        ]

    def __str__(self):
        return f"{self.pole_id} / {self.legal_form_id}: {self.structures}"


class SharedMember(models.Model):
    """A current member structure of a pole that is not its home (see `MemberTally`),
    with what the observatory counts of it: its home, legal form, whether it holds an
    IAE approval, has a known headcount band, employs fewer than 10 people.

    Derived data, rebuilt with the tallies (`poles.services.refresh_member_tallies`).
    """

    pole = models.ForeignKey(
        "poles.Pole",
        on_delete=models.CASCADE,
        related_name="+",
        db_index=False,  # the unique constraint's index starts with the pole
    )
    structure = models.ForeignKey("poles.Structure", on_delete=models.CASCADE, related_name="+")
    home = models.ForeignKey(
        "poles.Pole", on_delete=models.CASCADE, related_name="+", db_index=False
    )
    legal_form = models.ForeignKey(
        "poles.LegalForm", on_delete=models.CASCADE, null=True, related_name="+", db_index=False
    )
    iae = models.BooleanField()
    band_known = models.BooleanField()
    under_ten = models.BooleanField()

    class Meta:
        verbose_name = _("shared member structure")
        verbose_name_plural = _("shared member structures")
        default_permissions = ()
        constraints = [
            models.UniqueConstraint(
                fields=["pole", "structure"], name="shared_member_one_row_per_structure"
            ),
        ]

    def __str__(self):
        return f"{self.pole_id} → {self.structure_id} (home {self.home_id})"


class PoleWithFigures(models.Model):
    """A pole with at least one full-time equivalent (ETP) or turnover figure, of any
    year: the observatory's count of the poles behind its key figures.

    Derived data, rebuilt by `poles.services.refresh_poles_with_figures` whenever a key
    figure is written or deleted (poles/derived.py): counting these rows for a
    selection reads one row per pole, where counting the distinct poles of the key
    figures sorts every pole's every year.
    """

    pole = models.OneToOneField(
        "poles.Pole", on_delete=models.CASCADE, primary_key=True, related_name="+"
    )

    class Meta:
        verbose_name = _("pole with key figures")
        verbose_name_plural = _("poles with key figures")
        # Derived data, never edited by hand: no permissions to list.
        default_permissions = ()

    def __str__(self):
        return str(self.pole_id)
