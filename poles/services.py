"""Writes to the directory: member structures created by editors, loading reference
lists and the real seed poles."""

import json
import re
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path

import reversion
from django.conf import settings
from django.contrib.postgres.search import SearchVector
from django.db import connection, transaction
from django.db.models import (
    BooleanField,
    Count,
    ExpressionWrapper,
    F,
    OuterRef,
    Prefetch,
    Q,
    Subquery,
    Value,
)

from territories.models import Commune, Departement
from territories.text import normalize

from .models import (
    Approval,
    HeadcountBand,
    KeyFigure,
    LegalForm,
    Membership,
    MemberTally,
    Network,
    Pole,
    PoleCoverage,
    PoleSource,
    PoleWithFigures,
    PoolingType,
    Recognition,
    SearchWord,
    Sector,
    SharedMember,
    Structure,
)
from .querysets import SEARCH_CONFIG

FIXTURES_DIR = Path(settings.BASE_DIR) / "fixtures"
REFERENCE_FILE = FIXTURES_DIR / "reference" / "reference.json"
SEED_DIR = FIXTURES_DIR / "seed"
# The curated renderings of the seed sources, loaded in this order (see PROVENANCE.md).
SEED_FILES = (SEED_DIR / "poles.json", SEED_DIR / "poles_more.json")
SEED_COMMENT = "Seed data loaded (load_seed)."


def new_structure(*, name: str, siret: str = "", commune=None, legal_form=None, created_by=None):
    """A member structure as an editor describes it, validated (`full_clean`) but not
    saved: a form checks it with the rest of its submission, then `create_structure`
    saves it. Raises ValidationError by field."""
    structure = Structure(
        name=name.strip(),
        siret=siret,
        commune=commune,
        legal_form=legal_form,
        created_by=created_by,
    )
    structure.full_clean()
    return structure


@transaction.atomic
def create_structure(*, structure: Structure) -> Structure:
    """Save a structure built by `new_structure`, once more validated (the database may
    have changed since the form checked it: another structure took its SIRET)."""
    structure.full_clean()
    structure.save()
    return structure


@transaction.atomic
def load_reference(*, path: Path = REFERENCE_FILE) -> dict[str, int]:
    """Upsert the reference lists by slug (or INSEE code for headcount bands)."""
    data = json.loads(Path(path).read_text(encoding="utf-8"))
    counts = {}

    def upsert(model, rows, key="slug", extra=lambda row: {}):
        for position, row in enumerate(rows):
            defaults = {
                name: row[name]
                for name in ("name", "name_en", "description")
                if name in row and hasattr(model, name)
            }
            defaults.update(extra(row))
            if hasattr(model, "position"):
                defaults["position"] = position
            model.objects.update_or_create(**{key: row[key]}, defaults=defaults)
        counts[model._meta.model_name] = len(rows)

    upsert(
        Sector,
        data["sectors"],
        extra=lambda row: {
            name: row[name] for name in ("color", "symbol", "symbol_en") if name in row
        },
    )
    upsert(
        LegalForm,
        data["legal_forms"],
        extra=lambda row: {"family": row["family"], "abbreviation": row.get("abbreviation", "")},
    )
    upsert(
        Approval,
        data["approvals"],
        extra=lambda row: {"abbreviation": row["abbreviation"], "is_iae": row["is_iae"]},
    )
    upsert(
        HeadcountBand,
        data["headcount_bands"],
        key="code",
        extra=lambda row: {
            "label": row["label"],
            "min_employees": row["min"],
            "max_employees": row["max"],
        },
    )
    upsert(
        PoolingType,
        data["pooling_types"],
        extra=lambda row: {
            "survey_share": Decimal(row["survey_share"]) if row["survey_share"] else None
        },
    )
    upsert(
        Network,
        data["networks"],
        extra=lambda row: {"kind": row["kind"], "website": row.get("website", "")},
    )
    for row in data["networks"]:
        if row.get("animated_by"):
            Network.objects.filter(slug=row["slug"]).update(
                animated_by=Network.objects.get(slug=row["animated_by"])
            )
    upsert(
        Recognition,
        data["recognitions"],
        extra=lambda row: {
            "year": row["year"],
            "announced": row.get("announced", ""),
            "laureate_count": row.get("laureate_count"),
            "source": row.get("source", data["about"]),
        },
    )
    return counts


@dataclass
class SeedReport:
    created: list[str] = field(default_factory=list)
    kept: list[str] = field(default_factory=list)
    # Poles that received additions of the seed (sources, facts) since they were loaded.
    completed: list[str] = field(default_factory=list)


def _communes(codes):
    return list(Commune.objects.filter(code__in=codes))


@transaction.atomic
def load_seed_poles(*, paths=SEED_FILES) -> SeedReport:
    """Create the real seed poles that are not in the database yet, and give the seed's
    later additions to the seed poles no one has edited.

    A pole already present (matched by slug) is left as it is: staff may have
    corrected or completed it, and reloading must never undo their work. The seed's
    cooperators are the members app's: `members.services.load_seed` loads both, then
    stamps the poles written (`mark_seed_synced`) once every row has been written and
    its derived data refreshed. Only a pole
    whose `updated_at` is still the one the loader left (`seed_synced_at`) receives the
    `additions` of a seed file, once (each is recognised by its text or address).
    The poles written form one revision of the history (django-reversion), so that
    staff can compare with, and revert to, the seed as loaded.
    """
    report = SeedReport()
    with reversion.create_revision():
        reversion.set_comment(SEED_COMMENT)
        for path in paths:
            _load_seed(Path(path), report)
    return report


def mark_seed_synced(slugs) -> None:
    """Remember these poles as the seed loader left them, once every child row has
    touched them: a pole whose `updated_at` later differs was edited by staff."""
    Pole.objects.filter(slug__in=slugs).update(seed_synced_at=F("updated_at"))


def _load_seed(path: Path, report: SeedReport) -> None:
    data = json.loads(path.read_text(encoding="utf-8"))
    structures_by_key = {}
    for row in data["structures"]:
        structure = Structure.objects.filter(name=row["name"]).order_by("pk").first()
        if structure is None:
            structure = Structure(
                name=row["name"],
                legal_form=LegalForm.objects.get(slug=row["legal_form"])
                if row.get("legal_form")
                else None,
                commune=Commune.objects.get(code=row["commune"]) if row.get("commune") else None,
                website=row.get("website", ""),
                description=row.get("description", ""),
                source=row["source"],
            )
            structure.full_clean()
            structure.save()
            structure.approvals.set(Approval.objects.filter(slug__in=row.get("approvals", [])))
        structures_by_key[row["key"]] = structure

    for row in data["poles"]:
        if Pole.objects.filter(slug=row["slug"]).exists():
            report.kept.append(row["slug"])
            continue
        _create_seed_pole(row, structures_by_key)
        report.created.append(row["slug"])
    for addition in data.get("additions", []):
        if _apply_seed_addition(addition, created=report.created):
            report.completed.append(addition["slug"])


def _apply_seed_addition(addition, *, created) -> bool:
    """Add a seed addition's facts to its pole if no one has edited the pole since the
    loader wrote it (in this run, or in an earlier one); return whether anything was
    added."""
    untouched = Q(seed_synced_at__isnull=False, updated_at=F("seed_synced_at"))
    pole = Pole.objects.filter(untouched | Q(slug__in=created), slug=addition["slug"]).first()
    if pole is None:
        return False
    changed = []
    text = addition.get("description", "")
    if text and text not in pole.description:
        pole.description = f"{pole.description}\n\n{text}".strip()
        changed.append("description")
    as_of = addition.get("status_as_of")
    if as_of and (pole.status_as_of or 0) < as_of:
        pole.status_as_of = as_of
        changed.append("status_as_of")
    if changed:
        pole.full_clean()
        pole.save(update_fields=[*changed, "updated_at"])
    known = {(source.url or source.citation) for source in pole.sources.all()}
    position = pole.sources.count()
    for source in addition.get("sources", []):
        if (source.get("url") or source["citation"]) in known:
            continue
        PoleSource.objects.create(
            pole=pole,
            citation=source["citation"],
            url=source.get("url", ""),
            year=source.get("year"),
            position=position,
        )
        position += 1
        changed.append("sources")
    return bool(changed)


def _create_seed_pole(row, structures_by_key):
    pole = Pole(
        slug=row["slug"],
        name=row["name"],
        summary=row.get("summary", ""),
        description=row.get("description", ""),
        development_axes=row.get("development_axes", ""),
        status=row["status"],
        status_as_of=row.get("status_as_of"),
        founded_year=row.get("founded_year"),
        closed_year=row.get("closed_year"),
        legal_form=LegalForm.objects.get(slug=row["legal_form"]) if row.get("legal_form") else None,
        address=row.get("address", ""),
        seat_commune=Commune.objects.get(code=row["seat_commune"])
        if row.get("seat_commune")
        else None,
        main_sector=Sector.objects.get(slug=row["main_sector"]) if row.get("main_sector") else None,
        website=row.get("website", ""),
        source=row.get("source", ""),
        is_published=True,
        to_complete=row.get("to_complete", False),
    )
    pole.full_clean()
    pole.save()

    territory = row.get("territory", {})
    pole.territory_communes.set(_communes(territory.get("communes", [])))
    pole.territory_departements.set(territory.get("departements", []))
    pole.territory_regions.set(territory.get("regions", []))
    pole.territory_epcis.set(territory.get("epcis", []))
    pole.sectors.set(Sector.objects.filter(slug__in=row.get("sectors", [])))
    pole.pooling_types.set(PoolingType.objects.filter(slug__in=row.get("pooling_types", [])))
    pole.recognitions.set(Recognition.objects.filter(slug__in=row.get("recognitions", [])))
    pole.networks.set(Network.objects.filter(slug__in=row.get("networks", [])))

    for position, source in enumerate(row.get("sources", [])):
        PoleSource.objects.create(
            pole=pole,
            citation=source["citation"],
            url=source.get("url", ""),
            year=source.get("year"),
            position=position,
        )
    for figure in row.get("figures", []):
        key_figure = KeyFigure(
            pole=pole,
            year=figure["year"],
            etp=Decimal(figure["etp"]) if figure.get("etp") else None,
            turnover=figure.get("turnover"),
            member_structures_count=figure.get("member_structures_count"),
            cooperators_count=figure.get("cooperators_count"),
            is_approximate=figure.get("is_approximate", False),
            note=figure.get("note", ""),
            source=figure["source"],
        )
        key_figure.full_clean()
        key_figure.save()
    for membership in row.get("memberships", []):
        record = Membership(
            pole=pole,
            structure=structures_by_key[membership["structure"]],
            role=membership["role"],
            joined_year=membership.get("joined_year"),
            source=membership["source"],
        )
        record.full_clean()
        record.save()
    return pole


# Search text. The directory searches stored, normalised columns per pole (see
# PoleQuerySet.search): `search_text` everywhere, and on PostgreSQL its weighted
# tsvector `search_vector` and the lexicon of its words (SearchWord). They are refreshed
# explicitly by the writes that change what they are built from (the seed loader, the
# admin, imports, the synthetic generator), not by signals a reader cannot see.

# Weights of the parts of a pole's text in `search_vector` (PostgreSQL ranks A highest).
SEARCH_WEIGHTS = ("A", "B", "C", "D")
_WORD = re.compile(r"[a-z0-9]+")
SEARCH_WORD_MIN_LENGTH = 3
SEARCH_WORD_MAX_LENGTH = 100


def search_document(pole) -> dict[str, list[str]]:
    """The parts of the text a pole is found by, by weight: name (A), summary and
    sectors (B), description, development axes and seat (C), member structures (D).

    Expects the pole's seat commune (with its département), sectors and memberships
    with their structures to be loaded or loadable; see `refresh_search_texts`.
    """
    commune = pole.seat_commune
    return {
        "A": [pole.name],
        "B": [
            pole.summary,
            *(name for sector in pole.sectors.all() for name in (sector.name, sector.name_en)),
        ],
        "C": [
            pole.description,
            pole.development_axes,
            *((commune.name, commune.departement.name) if commune else ()),
        ],
        "D": [m.structure.name for m in pole.memberships.all() if m.left_year is None],
    }


def build_search_text(pole, document=None) -> str:
    """The normalised text a pole is found by, its name on the first line."""
    document = document or search_document(pole)
    parts = [
        *document["A"],
        document["B"][0],  # the summary, then the description and axes, as always
        *document["C"][:2],
        *document["D"],
        *document["C"][2:],
        *document["B"][1:],
    ]
    # One normalised part per line (normalize() folds newlines).
    return "\n".join(text for text in map(normalize, parts) if text)


# The weights a search's matches are ranked by (`Pole.rank_vector`): the name, the
# summary and sectors.
RANK_WEIGHTS = ("A", "B")


def search_vector(document: dict[str, list[str]], weights=SEARCH_WEIGHTS):
    """The PostgreSQL expression of a pole's weighted tsvector (for bulk_update), of
    the parts of `weights` (all: `search_vector`; RANK_WEIGHTS: `rank_vector`)."""

    vectors = [
        SearchVector(
            Value(" ".join(text for text in map(normalize, document[weight]) if text)),
            config=SEARCH_CONFIG,
            weight=weight,
        )
        for weight in weights
    ]
    combined = vectors[0]
    for vector in vectors[1:]:
        combined = combined + vector
    return combined


def search_words(text: str) -> set[str]:
    """The lexicon words of a normalised search text."""
    return {
        word
        for word in _WORD.findall(text)
        if SEARCH_WORD_MIN_LENGTH <= len(word) <= SEARCH_WORD_MAX_LENGTH and not word.isdigit()
    }


def add_search_words(words) -> None:
    if words:
        SearchWord.objects.bulk_create(
            [SearchWord(word=word) for word in sorted(words)],
            ignore_conflicts=True,
            batch_size=2000,
        )


def save_search_texts(poles, *, force: bool = False) -> int:
    """Compute the search columns of `poles` (instances whose seat, sectors and
    memberships are loaded) and write those that changed (all with `force`) in bulk,
    with the lexicon of their words. Returns the number of poles written."""
    postgresql = connection.vendor == "postgresql"
    changed = []
    words: set[str] = set()
    for pole in poles:
        document = search_document(pole)
        text = build_search_text(pole, document)
        stale_vector = postgresql and (
            pole.__dict__.get("search_vector", "") is None
            or pole.__dict__.get("rank_vector", "") is None
        )
        if force or text != pole.search_text or stale_vector:
            pole.search_text = text
            if postgresql:
                pole.search_vector = search_vector(document)
                pole.rank_vector = search_vector(document, RANK_WEIGHTS)
            changed.append(pole)
            words |= search_words(text)
    fields = ["search_text", "search_vector", "rank_vector"] if postgresql else ["search_text"]
    # bulk_update leaves updated_at alone: re-indexing is not an edit of the pole.
    Pole.objects.bulk_update(changed, fields, batch_size=500)
    add_search_words(words)
    return len(changed)


def refresh_search_texts(queryset) -> int:
    """Rebuild the search columns of the given poles in a constant number of queries."""
    poles = list(
        queryset.select_related("seat_commune__departement").prefetch_related(
            "sectors",
            Prefetch("memberships", queryset=Membership.objects.select_related("structure")),
        )
    )
    return save_search_texts(poles)


def rebuild_search_lexicon() -> int:
    """Replace the lexicon by the words of every pole's stored search text."""
    words: set[str] = set()
    for text in Pole.objects.values_list("search_text", flat=True).iterator(chunk_size=500):
        words |= search_words(text)
    with transaction.atomic():
        SearchWord.objects.all().delete()
        add_search_words(words)
    return len(words)


def refresh_search_text(pole: Pole) -> None:
    refresh_search_texts(Pole.objects.filter(pk=pole.pk))
    pole.refresh_from_db(fields=["search_text"])


def refresh_coverage(pole_ids=None) -> int:
    """Rebuild the départements these poles cover (every pole's when `pole_ids` is
    None) from their seats and territories of action; return the rows written.

    Called by poles/derived.py when a seat or a territory changes and
    after the territories are reloaded, and by writers that insert poles in bulk
    (without signals), such as the synthetic data generator.
    """
    if pole_ids is not None:
        pole_ids = list(pole_ids)
        if not pole_ids:
            return 0
    poles = Pole.objects.order_by() if pole_ids is None else Pole.objects.filter(pk__in=pole_ids)
    pole_pks = poles.order_by().values("pk")

    def links(field_name, departement_path):
        through = Pole._meta.get_field(field_name).remote_field.through
        return (
            through.objects.filter(pole_id__in=pole_pks)
            .order_by()
            .values_list("pole_id", departement_path)
        )

    pairs = (
        poles.order_by()
        .filter(seat_commune__isnull=False)
        .values_list("pk", "seat_commune__departement_id")
        .union(
            links("territory_communes", "commune__departement_id"),
            links("territory_epcis", "epci__departements__code"),
            links("territory_departements", "departement_id"),
            links("territory_regions", "region__departements__code"),
        )
    )
    region_of = dict(Departement.objects.values_list("code", "region_id"))
    rows = [
        PoleCoverage(pole_id=pole_id, departement_id=code, region_id=region_of[code])
        for pole_id, code in pairs
        if code is not None
    ]
    with transaction.atomic():
        stale = PoleCoverage.objects.all()
        if pole_ids is not None:
            stale = stale.filter(pole_id__in=pole_pks)
        stale.delete()
        PoleCoverage.objects.bulk_create(rows, batch_size=2000)
    return len(rows)


def _home_pole(structure_id):
    """A structure's home: the lowest id among the poles it currently belongs to."""
    return Subquery(
        Membership.objects.filter(structure_id=structure_id, left_year__isnull=True)
        .order_by("pole_id")
        .values("pole_id")[:1]
    )


def refresh_member_tallies(pole_ids=None) -> int:
    """Rebuild the member structure tallies (`MemberTally`) and the shared member
    structures (`SharedMember`) of these poles (every pole's when `pole_ids` is None);
    return the rows written.

    A structure's tally sits at its home pole only, so a change to a structure's
    memberships or to what is counted of it must refresh every pole it belongs to, or
    belonged to before the change: poles/derived.py marks them all. Called by
    poles/derived.py, by a migration's frozen copy, and by writers that insert
    memberships in bulk (without signals), such as the synthetic data generator."""
    if pole_ids is not None:
        pole_ids = list(pole_ids)
        if not pole_ids:
            return 0
    with transaction.atomic():
        tallies, shared = _member_tally_rows(pole_ids)
        stale_tallies, stale_shared = MemberTally.objects.all(), SharedMember.objects.all()
        if pole_ids is not None:
            stale_tallies = stale_tallies.filter(pole_id__in=pole_ids)
            stale_shared = stale_shared.filter(pole_id__in=pole_ids)
        stale_tallies.delete()
        stale_shared.delete()
        MemberTally.objects.bulk_create(tallies, batch_size=2000)
        SharedMember.objects.bulk_create(shared, batch_size=2000)
    return len(tallies) + len(shared)


def refresh_poles_with_figures(pole_ids=None) -> int:
    """Rebuild the list of poles with an ETP or turnover figure (`PoleWithFigures`)
    for these poles (every pole when `pole_ids` is None); return the rows written.

    Called by poles/derived.py, by a migration's frozen copy, and by writers that
    insert key figures in bulk (without signals), such as the synthetic data
    generator."""
    if pole_ids is not None:
        pole_ids = list(pole_ids)
        if not pole_ids:
            return 0
    figures = KeyFigure.objects.filter(Q(etp__isnull=False) | Q(turnover__isnull=False))
    stale = PoleWithFigures.objects.all()
    if pole_ids is not None:
        figures = figures.filter(pole_id__in=pole_ids)
        stale = stale.filter(pole_id__in=pole_ids)
    with transaction.atomic():
        stale.delete()
        rows = [
            PoleWithFigures(pole_id=pole_id)
            for pole_id in figures.order_by().values_list("pole_id", flat=True).distinct()
        ]
        PoleWithFigures.objects.bulk_create(rows, batch_size=2000)
    return len(rows)


def _member_tally_rows(pole_ids) -> tuple[list, list]:
    """The `MemberTally` and `SharedMember` rows of these poles (None: every pole)."""
    current = Membership.objects.filter(left_year__isnull=True).order_by()
    members = current if pole_ids is None else current.filter(pole_id__in=pole_ids)
    iae_holders = Structure.approvals.through.objects.filter(approval__is_iae=True).values(
        "structure_id"
    )
    homed = Structure.objects.order_by().filter(pk__in=members.values("structure_id"))
    homed = homed.annotate(home=_home_pole(OuterRef("pk")))
    if pole_ids is not None:
        homed = homed.filter(home__in=pole_ids)
    tallies = [
        MemberTally(
            pole_id=home,
            legal_form_id=legal_form_id,
            structures=structures,
            iae=iae,
            band_known=band_known,
            under_ten=under_ten,
        )
        for home, legal_form_id, structures, iae, band_known, under_ten in homed.values_list(
            "home", "legal_form_id"
        ).annotate(
            structures=Count("pk"),
            iae=Count("pk", filter=Q(pk__in=iae_holders)),
            band_known=Count("headcount_band_id"),
            under_ten=Count("pk", filter=Q(headcount_band__max_employees__lt=10)),
        )
    ]

    def condition(q):
        return ExpressionWrapper(q, output_field=BooleanField())

    shared = (
        members.annotate(home=_home_pole(OuterRef("structure_id")))
        .exclude(pole_id=F("home"))
        .annotate(
            iae=condition(Q(structure_id__in=iae_holders)),
            band_known=condition(Q(structure__headcount_band_id__isnull=False)),
            under_ten=condition(Q(structure__headcount_band__max_employees__lt=10)),
        )
        # A structure holding two roles in a pole is one shared member of it.
        .values_list(
            "pole_id",
            "structure_id",
            "home",
            "structure__legal_form_id",
            "iae",
            "band_known",
            "under_ten",
        )
        .distinct()
    )
    shared = [
        SharedMember(
            pole_id=pole_id,
            structure_id=structure_id,
            home_id=home,
            legal_form_id=legal_form_id,
            # A comparison with no headcount band is NULL: not fewer than 10.
            iae=bool(iae),
            band_known=bool(band_known),
            under_ten=bool(under_ten),
        )
        for pole_id, structure_id, home, legal_form_id, iae, band_known, under_ten in shared
    ]
    return tallies, shared
