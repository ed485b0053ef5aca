"""The directory's one filter definition.

`/poles/`, `/poles.geojson`, `/poles.csv` and `/embed/` all filter through
`PoleFilterSet`, so that the list, the map and the exports always agree.

Choice values are checked against lists read once per request (régions,
départements, sectors, pooling types, networks: a few dozen rows each), so an
untrusted value never reaches a database lookup before it is known to be valid.
"""

import copy
import re
import unicodedata
from dataclasses import dataclass, field

import django_filters
from django import forms
from django.core.exceptions import ValidationError
from django.db.models import F, Value
from django.urls import reverse_lazy
from django.utils.html import json_script
from django.utils.safestring import SafeString
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _
from django_filters.fields import ChoiceIterator

from caching import versioned
from territories import places
from territories.models import EPCI, Commune, Departement, Region
from territories.text import normalize

from .form_html import PythonRenderedBoundField
from .models import Network, Pole, PoolingType, Recognition, Sector
from .querysets import (
    TERRITORY_COMMUNE,
    TERRITORY_DEPARTEMENT,
    TERRITORY_EPCI,
    TERRITORY_REGION,
)

SEARCH_MAX_LENGTH = 200
# More values than there are choices can only be a mistake or an attack.
MAX_REPEATED_VALUES = 30
_COMMUNE_CODE = re.compile(r"^(?:[0-9]{2}|2[AB])[0-9]{3}$")
_WHITESPACE_CONTROLS = re.compile(r"[\t\n\r\f\v]+")

# `tri` values (public, French) and the ordering each one means. Poles without the
# sorted value come last; the name and then the id break ties, so pages are stable.
# Names sort by `sort_name` (lower-case, accent-free: "Économie" with the E).
SORTS = {
    "nom": (F("sort_name").asc(), "pk"),
    "-nom": (F("sort_name").desc(), "-pk"),
    "creation": (F("founded_year").asc(nulls_last=True), "sort_name", "pk"),
    "-creation": (F("founded_year").desc(nulls_last=True), "sort_name", "pk"),
    "etp": (F("latest_etp").asc(nulls_last=True), "sort_name", "pk"),
    "-etp": (F("latest_etp").desc(nulls_last=True), "sort_name", "pk"),
    "-maj": (F("updated_at").desc(), "pk"),
    # Needs a position (`autour`, or a commune chosen in `lieu`): `with_distance()`,
    # from the pole's seat or its seat commune's centre. Poles with neither come next,
    # by how close their territory comes to the place (`with_territory_rank()`).
    "distance": (F("distance_km").asc(nulls_last=True), "territory_rank", "sort_name", "pk"),
}
SORT_CHOICES = [
    ("nom", _("Name (A to Z)")),
    ("-nom", _("Name (Z to A)")),
    ("creation", _("Founding year (oldest first)")),
    ("-creation", _("Founding year (newest first)")),
    ("etp", _("Jobs in ETP (fewest first)")),
    ("-etp", _("Jobs in ETP (most first)")),
    ("-maj", _("Recently updated")),
    ("distance", _("Distance (nearest first)")),
]
DEFAULT_ORDERING = ("sort_name", "pk")


class SearchTextField(forms.CharField):
    """Free text: whitespace controls become spaces, other control characters are refused."""

    def __init__(self, **kwargs):
        kwargs.setdefault("max_length", SEARCH_MAX_LENGTH)
        super().__init__(**kwargs)

    def to_python(self, value):
        if isinstance(value, str):
            value = _WHITESPACE_CONTROLS.sub(" ", value)
        value = super().to_python(value)
        if any(unicodedata.category(char) in {"Cc", "Cf", "Cs"} for char in value):
            raise ValidationError(
                _("Remove the invisible control characters from the search text."),
                code="control_characters",
            )
        return value


class BoundedMultipleChoiceField(forms.MultipleChoiceField):
    def clean(self, value):
        if isinstance(value, list | tuple):
            # An empty value (`?secteur=&secteur=agriculture`, as hand-edited URLs have)
            # chooses nothing, and repeating a value changes nothing.
            value = list(dict.fromkeys(item for item in value if item not in ("", None)))
        if isinstance(value, list) and len(value) > MAX_REPEATED_VALUES:
            raise ValidationError(
                _("Choose at most %(max)s values."),
                code="too_many_values",
                params={"max": MAX_REPEATED_VALUES},
            )
        return super().clean(value)


class BoundedMultipleChoiceFilter(django_filters.MultipleChoiceFilter):
    field_class = BoundedMultipleChoiceField


def _refuse_control_characters(value: str) -> str:
    value = _WHITESPACE_CONTROLS.sub(" ", value)
    if any(unicodedata.category(char) in {"Cc", "Cf", "Cs"} for char in value):
        raise ValidationError(
            _("Remove the invisible control characters from the search text."),
            code="control_characters",
        )
    return value


class PlaceField(forms.CharField):
    """The place field: a commune (name, postal code or INSEE code), an EPCI, a
    département or a région, as typed or as chosen from the autocomplete
    (static/poles/js/place-autocomplete.js, fed by `/lieux.json`). Cleaned to a
    `territories.places.PlaceMatch` with one place; a text naming several places (or
    only the start of names) is an error, and `last_match.choices` lists them."""

    communes_only = False

    def __init__(self, **kwargs):
        kwargs.setdefault("max_length", places.MAX_PLACE_LENGTH)
        kwargs.setdefault(
            "widget",
            forms.TextInput(
                attrs={
                    "autocomplete": "off",
                    "spellcheck": "false",
                    # static/poles/js/place-autocomplete.js: where to ask, what to say.
                    "data-place-autocomplete": reverse_lazy("territories:places"),
                    "data-place-one": _("%(count)s place suggested: use the arrow keys."),
                    "data-place-many": _("%(count)s places suggested: use the arrow keys."),
                    "data-place-none": _("No place by this name."),
                    "data-place-list-label": _("Suggested places"),
                    "data-around-label": _("Around me"),
                    "data-around-waiting": _("Asking your browser for your position…"),
                    "data-around-denied": _(
                        "Your position is not available: choose a commune instead."
                    ),
                }
            ),
        )
        super().__init__(**kwargs)
        self.last_match = None

    def to_python(self, value):
        if isinstance(value, str):
            value = _refuse_control_characters(value)
        return super().to_python(value)

    def clean(self, value):
        value = super().clean(value)
        if not value:
            return None
        match = places.resolve(value, communes_only=self.communes_only)
        self.last_match = match
        if match.place is not None:
            return match
        if match.choices:
            raise ValidationError(
                _("Several places match “%(text)s”: choose one in the list."),
                code="ambiguous_place",
                params={"text": match.text},
            )
        raise ValidationError(self.unknown_message(match), code="unknown_place")

    def unknown_message(self, match):
        return _("No commune, EPCI, département or région matches “%(text)s”.") % {
            "text": match.text
        }


class CommuneCodeField(PlaceField):
    """The `commune` parameter of links and bookmarks: an INSEE commune code, read as
    such even when it is also a postal code (the page then says so); a postal code or a
    commune's name resolves to its communes, as in the place field."""

    communes_only = True

    def __init__(self, **kwargs):
        # Shown only with an error to correct: a plain field (one combobox per form).
        kwargs.setdefault("widget", forms.TextInput(attrs={"autocomplete": "off"}))
        super().__init__(**kwargs)

    def clean(self, value):
        value = forms.CharField.clean(self, value)
        if not value:
            return None
        code = value.upper()
        if _COMMUNE_CODE.match(code):
            match = places.commune_code_match(code)
            if match is not None:
                self.last_match = match
                return match
        return super().clean(value)

    def unknown_message(self, match):
        if _COMMUNE_CODE.match(match.text.upper()):
            return _("No commune has the INSEE code or postal code %(code)s.") % {
                "code": match.text
            }
        return _("No commune matches “%(text)s”.") % {"text": match.text}


# "49.43,2.08": a position rounded to two decimals (about a kilometre).
_POSITION = re.compile(r"^\s*(-?[0-9]{1,2}(?:\.[0-9]+)?)\s*,\s*(-?[0-9]{1,3}(?:\.[0-9]+)?)\s*$")
POSITION_DECIMALS = 2


class PositionField(forms.CharField):
    """`autour`: the visitor's position, from the browser's geolocation ("Autour de
    moi"), as `latitude,longitude`, rounded here to about a kilometre (whatever
    precision the link holds): poles are then sorted by distance from it. Never stored."""

    widget = forms.HiddenInput

    def __init__(self, **kwargs):
        kwargs.setdefault("max_length", 40)
        super().__init__(**kwargs)

    def clean(self, value):
        value = super().clean(value)
        if not value:
            return None
        found = _POSITION.match(value)
        latitude = float(found[1]) if found else 100.0
        longitude = float(found[2]) if found else 200.0
        if not (-90 <= latitude <= 90 and -180 <= longitude <= 180):
            raise ValidationError(
                _("The position must be a latitude and a longitude, such as 49.43,2.08."),
                code="invalid_position",
            )
        return (round(latitude, POSITION_DECIMALS), round(longitude, POSITION_DECIMALS))


@dataclass(frozen=True)
class Origin:
    """Where distances are measured from (`PoleFilterSet.origin`), and the communes
    whose territories order the poles that have no distance (`with_territory_rank()`):
    the commune or the postal code's communes chosen as the place, or the commune
    nearest to the visitor's position (none at sea or abroad). `places` says, for each
    territory rank, which of the place's territories it is, as the cards name it:
    (kind, name), the kind being "commune", "postal_code", "epci", "departement" or
    "region"."""

    latitude: float
    longitude: float
    communes: tuple = ()
    places: dict = field(default_factory=dict)


def _names(names) -> str:
    return ", ".join(dict.fromkeys(name for name in names if name))


def _epci_names(communes) -> str:
    """The names of the communes' EPCIs: read with the communes by `places` (but for
    communes found from the start of their name, whose EPCIs are read here, in one
    query)."""
    names = {}
    missing = set()
    for commune in communes:
        if commune.epci_id is None:
            continue
        if Commune.epci.is_cached(commune):
            names[commune.epci_id] = commune.epci.name
        else:
            missing.add(commune.epci_id)
    if missing:
        names.update(EPCI.objects.filter(code__in=missing).values_list("code", "name"))
    return _names(names[commune.epci_id] for commune in communes if commune.epci_id in names)


class PlaceFilter(django_filters.Filter):
    field_class = PlaceField


class PositionFilter(django_filters.Filter):
    field_class = PositionField


class SearchFilter(django_filters.CharFilter):
    field_class = SearchTextField


class CommuneFilter(django_filters.Filter):
    field_class = CommuneCodeField


# The name `filter_choices()`'s lists are cached under (with the data version and the
# running release, caching/release.py: another release's lists may lack a key).
FILTER_CHOICES_NAME = "directory-filter-choices"
# The filters whose choices come from the data (`filter_choices()`).
CACHED_CHOICES = ("region", "departement", "secteur", "mutualisation", "reseau", "reconnaissance")


def filter_choices() -> dict:
    """The choices of the list filters, labels in the active language: five small
    queries, cached by `versioned()` under the data version (the directory page would
    otherwise read them on every request)."""
    departements = list(
        Departement.objects.order_by("code").values_list("code", "name", "region_id")
    )
    lists = {
        # Sorted without accents, so that Île-de-France comes among the I.
        "region": sorted(
            Region.objects.values_list("code", "name"), key=lambda choice: normalize(choice[1])
        ),
        "departement": [(code, f"{code} – {name}") for code, name, _region in departements],
        # The département list follows the chosen région (on the page and in its script);
        # the active-filter chips name a département without its code.
        "departement_regions": {code: region for code, _name, region in departements},
        "departement_names": {code: name for code, name, _region in departements},
        "departements_by_region": {},
    }
    for code, name, region in departements:
        lists["departements_by_region"].setdefault(region, []).append((code, f"{code} – {name}"))
    lists["departement_options"] = json_script(
        [[code, label, lists["departement_regions"][code]] for code, label in lists["departement"]],
        "directory-departements",
    )
    sectors = list(Sector.objects.only("slug", "name", "name_en", "color", "symbol", "symbol_en"))
    lists["secteur"] = [(sector.slug, str(sector.label)) for sector in sectors]
    # The directory's rows name their sectors from here (selectors.with_sectors).
    lists["sector_labels"] = {sector.pk: str(sector.label) for sector in sectors}
    # The map's markers and legend (selectors.directory_geojson): what colours a marker.
    lists["sector_marks"] = {
        sector.pk: {
            "slug": sector.slug,
            "name": str(sector.label),
            "color": sector.color,
            "letters": sector.mark,
            "rank": rank,
        }
        for rank, sector in enumerate(sectors)
    }
    # The three short reference lists in one query, each in its model's order (position
    # then name; a call's year then name), labelled as ReferenceItem.label does.
    named = [("mutualisation", PoolingType, "position"), ("reseau", Network, "position")]
    named.append(("reconnaissance", Recognition, "year"))
    parts = [
        model.objects.order_by()
        .annotate(list_index=Value(index), sort_key=F(key))
        .values_list("list_index", "sort_key", "name", "slug", "name_en")
        for index, (_name, model, key) in enumerate(named)
    ]
    rows = parts[0].union(*parts[1:], all=True).order_by("list_index", "sort_key", "name")
    english = (get_language() or "fr").startswith("en")
    for name, *_model in named:
        lists[name] = []
    for index, _key, label, slug, label_en in rows:
        lists[named[index][0]].append((slug, label_en if english and label_en else label))
    return lists


class DirectoryFilterForm(forms.Form):
    # On every directory page, with ~150 choices: written without the template engine,
    # and its choice fields and empty fields remembered (poles/form_html.py).
    bound_field_class = PythonRenderedBoundField
    remember_fields = True
    # Read from links and bookmarks, but shown in the place field (`lieu`): one field
    # says where, and resubmitting the form sends the place from there. An invalid
    # value keeps its own field, with its error, so that the visitor can correct it
    # (and the feeds report the error under the parameter that was sent).
    LINK_ONLY = ("commune",)

    def __iter__(self):
        for name in self.fields:
            if name not in self.LINK_ONLY or name in self.errors:
                yield self[name]

    def full_clean(self):
        super().full_clean()
        if not self.is_bound or "lieu" not in self.fields:
            return
        data = self.data.copy()
        lieu = data.get("lieu", "")
        if self.cleaned_data.get("commune") and not lieu.strip():
            data["lieu"] = self.cleaned_data["commune"].place.value
            data.pop("commune")
        elif self.cleaned_data.get("lieu"):
            # "beauvais" as the place it names: "Beauvais (60)".
            data["lieu"] = self.cleaned_data["lieu"].place.value
        if self.cleaned_data.get("autour"):
            # A finer position in a link is not carried on: only the rounded one.
            data["autour"] = "{:.2f},{:.2f}".format(*self.cleaned_data["autour"])
        if "autour" in self._errors:
            # A hidden field the visitor could not see nor correct: shown, to be cleared.
            field = self.fields["autour"]
            field.widget = forms.TextInput(attrs={"autocomplete": "off"})
            field.label = _("Your position (latitude,longitude)")
        self.data = data


def _freeze_choices(form, flat=()) -> None:
    """Each choice field's choices as a plain list, for this form only. django-filter
    hands its fields an iterator that normalises every choice again each time it is
    read (validation, rendering, the remembered fields' keys read them): several passes
    over the form's ~300 choices per request. `flat`: the fields whose choices are
    pairs of strings already (the cached lists of `filter_choices()`), taken as they
    are. Nothing changes a list of choices in place: a filter set only replaces it."""
    for name, form_field in form.fields.items():
        choices = getattr(form_field, "choices", None)
        if not isinstance(choices, ChoiceIterator):
            continue
        if name in flat and form_field.null_label is None:
            empty = [] if form_field.empty_label is None else [("", form_field.empty_label)]
            frozen = [*empty, *choices.choices]
        else:
            frozen = list(choices)
        # Not through the setters: django-filter's would wrap the list again, and
        # Django's would normalise it once more.
        form_field._choices = form_field.widget._choices = frozen  # noqa: SLF001


class FiltersCopiedShallow(dict):
    """`base_filters` of a filter set built at every request: django-filter deep-copies
    them for each filter set, every choice's tuple and label with them (and the form
    deep-copies the fields built from them once more), about a millisecond per request
    for the directory's ~150 choices. A copy of each filter with its own `extra` is as
    safe, since a filter set replaces choices and never changes a list in place
    (tests/poles/test_filterset_copies.py)."""

    def __deepcopy__(self, memo):
        copies = {}
        for name, base in self.items():
            own = copy.copy(base)
            own.__dict__.pop("_field", None)  # each filter set builds its own field
            own.extra = dict(base.extra)
            if base.method is not None:
                own.method = base.method  # its FilterMethod bound to the copy
            copies[name] = own
        return copies


class FieldsOfOneForm(dict):
    """The fields of a form class made for one form only (django-filter makes one per
    filter set, from fields built for it): that form's copy of them need not be deep."""

    def __deepcopy__(self, memo):
        return dict(self)


class PoleFilterSet(django_filters.FilterSet):
    q = SearchFilter(
        label=_("Search"),
        method="filter_search",
        widget=forms.SearchInput,
        help_text=_("Name, activity, member structure, commune, postal code…"),
    )
    region = django_filters.ChoiceFilter(
        label=_("Région"), method="filter_region", empty_label=_("All régions")
    )
    departement = django_filters.ChoiceFilter(
        label=_("Département"),
        method="filter_departement",
        empty_label=_("All départements"),
    )
    lieu = PlaceFilter(
        label=_("Place"),
        method="filter_place",
        help_text=_(
            "A commune (name or postal code), an intercommunality, a département or a "
            "région: the poles whose territory of action covers it."
        ),
    )
    commune = CommuneFilter(label=_("Commune (INSEE code)"), method="filter_commune")
    autour = PositionFilter(label="", method="filter_position")
    secteur = BoundedMultipleChoiceFilter(
        label=_("Activity sectors"),
        method="filter_sectors",
        widget=forms.CheckboxSelectMultiple,
    )
    statut = django_filters.ChoiceFilter(
        label=_("Status"),
        choices=Pole.Status.choices,
        method="filter_status",
        empty_label=_("All statuses"),
    )
    mutualisation = BoundedMultipleChoiceFilter(
        label=_("Pooling"),
        method="filter_pooling_types",
        widget=forms.CheckboxSelectMultiple,
    )
    reseau = django_filters.ChoiceFilter(
        label=_("Network"), method="filter_network", empty_label=_("All networks")
    )
    reconnaissance = django_filters.ChoiceFilter(
        label=_("National recognition"),
        method="filter_recognition",
        empty_label=_("All poles"),
        help_text=_("Laureates of a national call, e.g. the 2021 AMI."),
    )
    tri = django_filters.ChoiceFilter(
        label=_("Sort by"),
        choices=SORT_CHOICES,
        method="sort",
        empty_label=_("Relevance, then name"),
    )

    class Meta:
        model = Pole
        fields = []
        form = DirectoryFilterForm

    def __init__(self, data=None, queryset=None, *, version=..., **kwargs):
        """`version`: the data version the caller already read (`caching.versioned`)."""
        if queryset is None:
            queryset = Pole.objects.published()
        super().__init__(data, queryset, **kwargs)
        lists = versioned(FILTER_CHOICES_NAME, filter_choices, per_language=True, version=version)
        self.sector_labels = lists["sector_labels"]
        self.sector_marks = lists["sector_marks"]
        self.sector_ids = {mark["slug"]: pk for pk, mark in self.sector_marks.items()}
        self.departement_regions = lists["departement_regions"]
        self.departement_names = lists["departement_names"]
        self.departements_by_region = lists["departements_by_region"]
        self._lists = lists
        for name in CACHED_CHOICES:
            self.filters[name].extra["choices"] = lists[name]

    def get_form_class(self):
        form_class = super().get_form_class()
        form_class.base_fields = FieldsOfOneForm(form_class.base_fields)
        return form_class

    @classmethod
    def filters_anything(cls, data) -> bool:
        """Does the query string `data` hold a parameter of any filter (even empty)?
        Without one, the filter set selects `unfiltered()`, and a reader that needs
        only the poles (not the form) may skip building the filter set and its form
        (its ~150 choices): about a millisecond per request."""
        return any(name in data for name in cls.base_filters)

    @staticmethod
    def unfiltered():
        """What a filter set bound to no filter parameter selects (its `qs`): every
        published pole, in the default order (tests/poles hold them equal)."""
        return Pole.objects.published().order_by(*DEFAULT_ORDERING)

    @property
    def form(self):
        if not hasattr(self, "_form"):
            form = super().form
            _freeze_choices(form, flat=CACHED_CHOICES)
            self._departements_follow_region(form)
        return self._form

    def departement_options(self) -> SafeString:
        """Every département as `[code, label, région code]`, in a JSON `<script>` for
        the directory's script, which makes the list follow the région chosen,
        whichever options the page showed. The same for every page of a data version
        and language: written once (`filter_choices()`)."""
        return self._lists["departement_options"]

    def _departements_follow_region(self, form):
        """With a known région in the query, the département list offers its
        départements only (and the chosen one, even from elsewhere, so that the form
        still shows what the URL asks). Only the options shown change: any département
        stays a valid value, and an empty result then says which filter to drop."""
        region = self.data.get("region") if self.data is not None else None
        if not region or region not in self.departements_by_region:
            return
        chosen = self.data.get("departement")
        widget = form.fields["departement"].widget
        if not chosen or self.departement_regions.get(chosen) == region:
            # The usual case, from the cached lists: no pass over the 101 choices.
            widget.choices = [widget.choices[0], *self.departements_by_region[region]]
            return
        widget.choices = [
            (code, label)
            for code, label in widget.choices
            if not code or code == chosen or self.departement_regions.get(code) == region
        ]

    def filter_queryset(self, queryset):
        queryset = super().filter_queryset(queryset)
        if self.form.cleaned_data.get("tri"):
            return queryset
        # A position without a sort sorts by distance ("Autour de moi"); otherwise a
        # ranked search (PostgreSQL) keeps its order.
        if self.form.cleaned_data.get("autour"):
            return self.sort(queryset, "tri", "distance")
        if "search_rank" not in queryset.query.annotations:
            queryset = queryset.order_by(*DEFAULT_ORDERING)
        return queryset

    def filter_search(self, queryset, name, value):
        return queryset.search(value)

    def filter_region(self, queryset, name, value):
        return queryset.in_region(value)

    def filter_departement(self, queryset, name, value):
        return queryset.in_departement(value)

    def filter_place(self, queryset, name, value):
        place = value.place
        if place.kind in (places.Kind.COMMUNE, places.Kind.POSTAL_CODE):
            return queryset.covering_communes(place.communes)
        if place.kind == places.Kind.EPCI:
            return queryset.covering_epci(place.code, places.epci_departements(place.code))
        if place.kind == places.Kind.DEPARTEMENT:
            return queryset.in_departement(place.code)
        return queryset.in_region(place.code)

    def filter_commune(self, queryset, name, value):
        return queryset.covering_communes(value.place.communes)

    def filter_position(self, queryset, name, value):
        return queryset  # an origin for distances (`origin`), not a filter

    @property
    def place_match(self):
        """The place of `lieu` (or of `commune`), once the form is validated: a
        PlaceMatch, its `choices` when the text was ambiguous."""
        if not self.is_bound:
            return None
        self.form.is_valid()
        for name in ("lieu", "commune"):
            match = self.form.fields[name].last_match
            if match is not None:
                return match
        return None

    @property
    def origin(self) -> Origin | None:
        """Where distances are measured from: the visitor's position (`autour`), else
        the commune or postal code chosen as the place. A position's commune is read
        once per filter set (`places.nearest_commune()`: one indexed query)."""
        if not hasattr(self, "_origin"):
            self._origin = self._find_origin()
        return self._origin

    def _find_origin(self) -> Origin | None:
        if not self.is_bound or not self.form.is_valid():
            return None
        position = self.form.cleaned_data.get("autour")
        if position:
            commune = places.nearest_commune(*position)
            return self._origin_of(position, [commune] if commune else [])
        match = self.form.cleaned_data.get("lieu") or self.form.cleaned_data.get("commune")
        point = match.place.origin if match else None
        if point is None:
            return None
        postal_code = match.place.code if match.place.kind == places.Kind.POSTAL_CODE else ""
        return self._origin_of(point, match.place.communes, postal_code=postal_code)

    def _origin_of(self, point, communes, *, postal_code="") -> Origin:
        """The origin at `point`, its territories named from the communes, their EPCIs
        and the cached lists of the filters (départements and régions). A postal
        code's communes are named by the code."""
        region_names = dict(self.filters["region"].extra["choices"])
        territories = {
            TERRITORY_COMMUNE: ("postal_code", postal_code)
            if postal_code
            else ("commune", _names(commune.name for commune in communes)),
            TERRITORY_EPCI: ("epci", _epci_names(communes)),
            TERRITORY_DEPARTEMENT: (
                "departement",
                _names(self.departement_names.get(commune.departement_id) for commune in communes),
            ),
            TERRITORY_REGION: (
                "region",
                _names(region_names.get(commune.departement.region_id) for commune in communes),
            ),
        }
        return Origin(
            latitude=point[0],
            longitude=point[1],
            communes=tuple(communes),
            places={rank: place for rank, place in territories.items() if place[1]},
        )

    def filter_sectors(self, queryset, name, value):
        # Any of the chosen sectors: a visitor ticking two sectors widens the list. By
        # their ids, from the cached lists the value was checked against: no join.
        ids = [self.sector_ids[slug] for slug in value if slug in self.sector_ids]
        return queryset.filter(queryset.linked_through("sectors", sector_id__in=ids))

    def filter_status(self, queryset, name, value):
        return queryset.filter(status=value)

    def filter_pooling_types(self, queryset, name, value):
        return queryset.filter(
            queryset.linked_through("pooling_types", poolingtype__slug__in=value)
        )

    def filter_network(self, queryset, name, value):
        return queryset.filter(queryset.linked_through("networks", network__slug=value))

    def filter_recognition(self, queryset, name, value):
        return queryset.filter(queryset.linked_through("recognitions", recognition__slug=value))

    def sort(self, queryset, name, value):
        if value.endswith("etp") and "latest_etp" not in queryset.query.annotations:
            queryset = queryset.with_latest_etp()
        if value == "distance":
            origin = self.origin
            if origin is None:
                return queryset.order_by(*DEFAULT_ORDERING)  # the page says why
            queryset = queryset.with_distance(origin.latitude, origin.longitude)
            queryset = queryset.with_territory_rank(origin.communes)
        return queryset.order_by(*SORTS[value])


# Set after the class: django-filter's metaclass builds `base_filters`.
PoleFilterSet.base_filters = FiltersCopiedShallow(PoleFilterSet.base_filters)
