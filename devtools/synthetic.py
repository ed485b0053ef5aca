"""A synthetic national directory, for benchmarks and load tests (`generate_synthetic`).

Everything here is made up but shaped like the field, after the Labo de l'ESS survey of
PTCE (its proportions are below): poles seated in real communes of every département
(overseas included), member structures in the survey's proportions of legal forms,
insertion approvals and sizes, pooling types in the survey's shares, ten years of key
figures per pole, SCIC colleges whose weights follow the law, and cooperators, mostly
persons who did not consent to be named. Every row carries `is_synthetic=True` and says
"Données synthétiques" in its source, so it can never be taken for a real pole.

The same seed gives the same dataset. Writes are bulk inserts only (no per-row save,
so no signal fires): the caller bumps the public cache generation afterwards.
"""

from __future__ import annotations

import os
import random
import time
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from pathlib import Path

from django.db import connection, transaction
from django.db.models.base import ModelState
from django.utils import timezone
from django.utils.text import slugify
from stdnum import luhn

from caching import bump_generation
from members.models import College, Cooperator
from poles import derived
from poles.models import (
    Approval,
    HeadcountBand,
    KeyFigure,
    LegalForm,
    Membership,
    MemberTally,
    Network,
    Pole,
    PoleSource,
    PoleWithFigures,
    PoolingType,
    Recognition,
    SearchWord,
    Sector,
    SharedMember,
    Structure,
)
from poles.models.pole import name_sort_key
from poles.services import (
    rebuild_search_lexicon,
    refresh_coverage,
    refresh_member_tallies,
    refresh_poles_with_figures,
    save_search_texts,
)
from territories.models import EPCI, Commune, Departement, Region

SYNTHETIC_LABEL = "Données synthétiques"
BATCH_SIZE = 2000
# A statement holds at most 65,535 parameters (PostgreSQL's protocol, with server-side
# binding): a batch of a wide model is smaller.
MAX_PARAMETERS = 65_535


def batch_size(model) -> int:
    return max(1, min(BATCH_SIZE, MAX_PARAMETERS // len(model._meta.concrete_fields)))


# --- Proportions (the Labo de l'ESS survey of PTCE) ---------------------------------

# Legal forms of member structures: associations 57 %, SARL 9 %, SCIC 8 %, local
# authorities 7 %; the remaining 19 % spread over the other forms.
STRUCTURE_LEGAL_FORMS = {
    "association": 52.0,
    "association-intermediaire": 5.0,
    "sarl": 9.0,
    "scic": 8.0,
    "collectivite-territoriale": 7.0,
    "sas": 4.0,
    "scop": 4.0,
    "epci": 2.0,
    "etablissement-public": 2.0,
    "fondation": 1.0,
    "mutuelle": 1.0,
    "universite": 1.0,
    "chambre-consulaire": 1.0,
    "cooperative-agricole": 1.0,
    "entreprise-individuelle": 0.5,
    "gip": 0.5,
    "sa": 0.5,
    "autre": 0.5,
}
# Share of member structures holding an insertion (IAE) approval.
IAE_SHARE = 0.23
# Share of member structures employing fewer than 10 people (the survey: 2/3 to 3/4).
UNDER_TEN_SHARE = 0.70
# Share of poles practising each pooling type.
POOLING_SHARES = {
    "connaissances-experiences": 0.79,
    "locaux": 0.58,
    "moyens-materiels": 0.44,
    "moyens-financiers": 0.27,
    "communication": 0.02,
    "emplois-partages": 0.15,
}
POLE_STATUSES = [
    (Pole.Status.ACTIVE, 0.70),
    (Pole.Status.EMERGING, 0.15),
    (Pole.Status.DORMANT, 0.10),
    (Pole.Status.CLOSED, 0.05),
]
# Of the structures, the share that also joins a second pole.
SHARED_STRUCTURE_SHARE = 0.08
PERSON_COOPERATOR_SHARE = 0.7
PERSON_CONSENT_SHARE = 0.1
PUBLISHED_SHARE = 0.95

# --- Word lists ------------------------------------------------------------------

POLE_PREFIXES = [
    "Pôle",
    "PTCE",
    "Coopérative territoriale",
    "Fabrique",
    "Archipel",
    "Maison",
    "Alliance",
    "Atelier",
    "Réseau",
    "Plateforme",
]
POLE_THEMES = [
    "de l'économie solidaire",
    "des transitions",
    "des circuits courts",
    "de l'éco-construction",
    "du réemploi",
    "des services de proximité",
    "de l'insertion",
    "des énergies citoyennes",
    "des mobilités douces",
    "des savoir-faire",
    "de la coopération",
    "des communs",
    "de l'alimentation durable",
    "du numérique solidaire",
    "des métiers d'art",
]
STRUCTURE_WORDS = {
    "association": ["Association", "Les Amis", "Collectif", "Atelier", "Entraide", "Maison"],
    "cooperative": ["Coopérative", "Scop", "SCIC", "Coop"],
    "company": ["Société", "Entreprise", "Ets", "Atelier", "Comptoir"],
    "public": ["Commune", "Communauté", "Syndicat", "Centre", "Établissement"],
    "other": ["Groupement", "Union", "Fonds"],
    "foundation": ["Fondation"],
    "mutual": ["Mutuelle"],
}
STRUCTURE_TOPICS = [
    "du jardin partagé",
    "de la ressourcerie",
    "des paniers solidaires",
    "du bâtiment durable",
    "du vélo",
    "des services à domicile",
    "de l'emploi",
    "du pain bio",
    "des espaces verts",
    "de la recyclerie",
    "des énergies",
    "de la formation",
    "de la culture",
    "du tourisme vert",
    "du numérique",
    "de la santé",
    "de l'habitat",
    "du bois",
    "de la laine",
    "des saveurs",
]
FIRST_NAMES = [
    "Camille",
    "Léa",
    "Manon",
    "Chloé",
    "Inès",
    "Jeanne",
    "Louise",
    "Alice",
    "Lucas",
    "Hugo",
    "Louis",
    "Gabriel",
    "Arthur",
    "Jules",
    "Nathan",
    "Théo",
    "Sophie",
    "Nadia",
    "Karim",
    "Yasmine",
    "Pierre",
    "Marie",
    "Françoise",
    "Michel",
]
LAST_NAMES = [
    "Martin",
    "Bernard",
    "Dubois",
    "Thomas",
    "Robert",
    "Richard",
    "Petit",
    "Durand",
    "Leroy",
    "Moreau",
    "Simon",
    "Laurent",
    "Lefèvre",
    "Michel",
    "Garcia",
    "David",
    "Bertrand",
    "Roux",
    "Vincent",
    "Fournier",
    "Morel",
    "Girard",
    "André",
    "Mercier",
]
DEVELOPMENT_AXES = [
    "Coopération économique locale",
    "Transition écologique",
    "Alimentation de proximité",
    "Emploi et parcours d'insertion",
    "Habitat et rénovation",
    "Mobilité rurale",
    "Culture et lien social",
    "Réemploi des matériaux",
]
COLLEGE_NAMES = [
    "Salariés",
    "Bénéficiaires",
    "Collectivités locales",
    "Partenaires",
    "Structures fondatrices",
    "Bénévoles",
]
# Headcount bands: under ten employees, then larger.
SMALL_BANDS = {"NN": 0.15, "00": 0.2, "01": 0.3, "02": 0.2, "03": 0.15}
LARGE_BANDS = {"11": 0.4, "12": 0.3, "21": 0.15, "22": 0.08, "31": 0.04, "32": 0.02, "41": 0.01}
BAND_ETP = {
    "NN": (0, 0),
    "00": (0, 0),
    "01": (1, 2),
    "02": (3, 5),
    "03": (6, 9),
    "11": (10, 19),
    "12": (20, 49),
    "21": (50, 99),
    "22": (100, 199),
    "31": (200, 249),
    "32": (250, 499),
    "41": (500, 999),
}


@dataclass
class Sizes:
    poles: int = 2000
    structures: int = 100_000
    cooperators: int = 300_000
    years: int = 10
    seed: int = 42


@dataclass
class Report:
    counts: dict[str, int] = field(default_factory=dict)
    timings: dict[str, float] = field(default_factory=dict)


class RealDataPresent(Exception):
    """The database holds real (non-synthetic) poles: refuse to mix synthetic ones in."""


class SyntheticDataPresent(Exception):
    """Synthetic data is already there (use `replace=True` to start over)."""


class MissingReferenceData(Exception):
    """Territories or reference lists are not loaded."""


def make_siret(index: int) -> str:
    """A valid, unique SIRET for the structure number `index` (< 10**8).

    The SIREN is 8 digits spread over the whole range (a bijection of the index, as
    7919 is prime to 10**8) plus its Luhn key; the establishment number (NIC) is 0001
    plus the key that makes the 14 digits Luhn-valid. No real company is implied:
    synthetic rows say so, and La Poste's SIREN (356000000) is skipped.
    """
    body = f"{(index * 7919 + 12_345_678) % 10**8:08d}"
    siren = body + luhn.calc_check_digit(body)
    if siren == "356000000":  # pragma: no cover - La Poste, which uses its own rule
        return make_siret(index + 10**7)
    nic = "000" + "1"
    return siren + nic + luhn.calc_check_digit(siren + nic)


def bulk_insert(model, objects: list, *, with_ids: bool = False) -> None:
    """Insert `objects` in bulk; with `with_ids`, each object gets its primary key.

    PostgreSQL: `COPY … FROM STDIN`, ten times faster than multi-row INSERTs at this
    scale (the ids come from the table's sequence, reserved in one query). Elsewhere:
    `bulk_create` in batches (SQLite returns the ids of a bulk insert).
    """
    if not objects:
        return
    if connection.vendor != "postgresql":
        model.objects.bulk_create(objects, batch_size=batch_size(model))
        return
    meta = model._meta
    now = timezone.now()
    for f in meta.concrete_fields:
        if getattr(f, "auto_now", False) or getattr(f, "auto_now_add", False):
            for obj in objects:
                setattr(obj, f.attname, now)
    fields = [f for f in meta.concrete_fields if with_ids or not f.primary_key]
    with connection.cursor() as cursor:
        if with_ids:
            cursor.execute(
                "SELECT nextval(pg_get_serial_sequence(%s, %s)) FROM generate_series(1, %s)",
                [meta.db_table, meta.pk.column, len(objects)],
            )
            for obj, (pk,) in zip(objects, cursor.fetchall(), strict=True):
                obj.pk = pk
                obj._state.adding = False
        columns = ", ".join(connection.ops.quote_name(f.column) for f in fields)
        table = connection.ops.quote_name(meta.db_table)
        attnames = [f.attname for f in fields]
        with cursor.copy(f"COPY {table} ({columns}) FROM STDIN") as copy:
            for obj in objects:
                copy.write_row([getattr(obj, name) for name in attnames])


_DEFAULTS: dict = {}


def new(model, **values):
    """An unsaved instance of `model`, built without Model.__init__'s per-field work.

    At 500,000 rows `__init__` is most of the generator's Python time. Fields not given
    take their default; foreign keys are given by `<name>_id`.
    """
    defaults = _DEFAULTS.get(model)
    if defaults is None:
        defaults = _DEFAULTS[model] = {
            f.attname: None if f.primary_key else f.get_default()
            for f in model._meta.concrete_fields
        }
    obj = model.__new__(model)
    obj.__dict__.update(defaults)
    obj.__dict__.update(values)
    obj._state = ModelState()
    return obj


def _weighted(rng: random.Random, weights: dict):
    keys = list(weights)
    return rng.choices(keys, weights=[weights[key] for key in keys])[0]


def _college_weights(rng: random.Random, count: int) -> list[int]:
    """`count` integer weights, each 10–50, adding up to 100 (a SCIC's colleges)."""
    weights = [10] * count
    remaining = 100 - 10 * count
    while remaining:
        index = rng.randrange(count)
        if weights[index] < 50:
            weights[index] += 1
            remaining -= 1
    return weights


def check_database(*, replace: bool = False) -> None:
    if Pole.objects.filter(is_synthetic=False).exists():
        raise RealDataPresent(
            "This database holds real poles: generate_synthetic only runs on a database "
            "without real data (use an empty database, e.g. `createdb ptce_bench`)."
        )
    if not replace and Pole.objects.filter(is_synthetic=True).exists():
        raise SyntheticDataPresent(
            "This database already holds synthetic poles: pass --replace to delete them "
            "and generate a new dataset."
        )
    if not Commune.objects.exists() or not LegalForm.objects.exists():
        raise MissingReferenceData(
            "Load the territories and reference lists first: "
            "`manage.py load_territories && manage.py load_reference`."
        )


def delete_synthetic() -> None:
    """Delete every synthetic row (cooperators and colleges first: colleges are PROTECTed).

    In one derived-data batch: each deleted membership marks its poles, which are
    refreshed once at the end (when they are gone), not once per membership."""
    with derived.batch():
        Cooperator.objects.filter(is_synthetic=True).delete()
        College.objects.filter(pole__is_synthetic=True).delete()
        Pole.objects.filter(is_synthetic=True).delete()
        Structure.objects.filter(is_synthetic=True).delete()


def _database_backend_cpu() -> float | None:
    """CPU seconds used so far by this connection's PostgreSQL backend, when it runs on
    this machine (read from /proc); None elsewhere."""
    if connection.vendor != "postgresql":
        return None
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_backend_pid()")
        (pid,) = cursor.fetchone()
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return None
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


class Generator:
    def __init__(self, sizes: Sizes):
        self.sizes = sizes
        self.rng = random.Random(sizes.seed)  # noqa: S311 - reproducible, not secret
        self.source = f"{SYNTHETIC_LABEL} (generate_synthetic, graine {sizes.seed})."
        self.last_year = timezone.now().year - 1
        self.report = Report()

    # -- reference data --

    def load_reference(self):
        def by_slug(model):
            return {item.slug: item for item in model.objects.order_by("pk")}

        self.legal_forms = by_slug(LegalForm)
        self.approvals = by_slug(Approval)
        self.bands = {band.code: band for band in HeadcountBand.objects.order_by("pk")}
        self.sectors = list(Sector.objects.order_by("position", "pk"))
        self.pooling_types = by_slug(PoolingType)
        self.networks = list(Network.objects.order_by("position", "pk"))
        self.recognitions = list(Recognition.objects.order_by("year", "pk"))
        self.departements = list(Departement.objects.order_by("code"))
        communes = Commune.objects.filter(
            is_current=True, latitude__isnull=False, longitude__isnull=False
        ).order_by("code")
        self.communes = list(
            communes.values_list(
                "code",
                "name",
                "departement_id",
                "departement__region_id",
                "epci_id",
                "latitude",
                "longitude",
                "postal_codes",
                "population",
            )
        )
        self.communes_by_departement = defaultdict(list)
        for row in self.communes:
            self.communes_by_departement[row[2]].append(row)
        self.departements = [d for d in self.departements if self.communes_by_departement[d.code]]
        self.commune_weights = [max(row[8] or 0, 50) ** 0.5 for row in self.communes]

    # -- helpers --

    def _timed(self, name, start):
        self.report.timings[name] = round(time.monotonic() - start, 2)

    def _seat(self, index: int):
        """The first poles cover every département once; the rest follow population."""
        if index < len(self.departements):
            choices = self.communes_by_departement[self.departements[index].code]
            weights = [max(row[8] or 0, 50) ** 0.5 for row in choices]
            return self.rng.choices(choices, weights=weights)[0]
        return self.rng.choices(self.communes, weights=self.commune_weights)[0]

    def _pole_name(self, commune_name: str) -> str:
        prefix = self.rng.choice(POLE_PREFIXES)
        theme = self.rng.choice(POLE_THEMES)
        return f"{prefix} {theme} – {commune_name}"

    def _structure_legal_form(self) -> LegalForm:
        return self.legal_forms[_weighted(self.rng, STRUCTURE_LEGAL_FORMS)]

    # -- generation --

    def run(self) -> Report:
        started = time.monotonic()
        cpu_started = time.process_time()
        backend_cpu_started = _database_backend_cpu()
        self.load_reference()
        self._timed("reference", started)
        with transaction.atomic():
            self.make_poles()
            self.make_structures()
            self.make_memberships()
            self.make_figures()
            self.make_cooperators()
            self.make_search_texts()
        self._timed("total", started)
        # CPU seconds spent here and in the database server: on a busy machine the wall
        # time says more about the neighbours than about the generator.
        self.report.timings["python_cpu"] = round(time.process_time() - cpu_started, 2)
        backend_cpu = _database_backend_cpu()
        if backend_cpu is not None and backend_cpu_started is not None:
            self.report.timings["database_cpu"] = round(backend_cpu - backend_cpu_started, 2)
        return self.report

    def make_poles(self):
        start = time.monotonic()
        rng = self.rng
        poles = []
        self.pole_seats = []
        for index in range(self.sizes.poles):
            seat = self._seat(index)
            code, commune_name, _dep, _reg, _epci, lat, lng, postal_codes, _pop = seat
            name = self._pole_name(commune_name)
            status = rng.choices(
                [status for status, _ in POLE_STATUSES], [share for _, share in POLE_STATUSES]
            )[0]
            founded = rng.randint(2005, self.last_year - 1)
            closed = rng.randint(founded, self.last_year) if status == Pole.Status.CLOSED else None
            legal_form = rng.choices(
                [self.legal_forms["scic"], self.legal_forms["association"], None], [35, 50, 15]
            )[0]
            slug = f"{slugify(name)[:180]}-{index + 1}"
            poles.append(
                Pole(
                    name=name,
                    sort_name=name_sort_key(name),  # bulk_create does not call save()
                    slug=slug,
                    summary=f"{SYNTHETIC_LABEL} : pôle fictif de coopération à {commune_name}.",
                    description=(
                        f"{SYNTHETIC_LABEL}. Ce pôle n'existe pas : il a été généré pour "
                        "tester l'annuaire à l'échelle nationale. Ses structures membres, "
                        "ses chiffres et ses coopérateurs sont fictifs."
                    ),
                    development_axes="\n".join(rng.sample(DEVELOPMENT_AXES, 2)),
                    status=status,
                    status_as_of=self.last_year,
                    founded_year=founded,
                    closed_year=closed,
                    legal_form=legal_form,
                    address=f"{rng.randint(1, 120)} rue de l'Exemple",
                    postal_code=(postal_codes or "").split(" ")[0][:5],
                    seat_commune_id=code,
                    latitude=lat,
                    longitude=lng,
                    main_sector=None,
                    website=f"https://{slug[:50]}.example",
                    email=f"contact@{slug[:50]}.example.invalid",
                    phone="01 99 00 00 00",
                    source=self.source,
                    is_published=rng.random() < PUBLISHED_SHARE,
                    is_synthetic=True,
                )
            )
            self.pole_seats.append(seat)
        # Sectors first: the main sector is one of the pole's sectors.
        self.pole_sectors = []
        for pole in poles:
            chosen = rng.sample(self.sectors, rng.randint(1, 4))
            pole.main_sector = chosen[0]
            self.pole_sectors.append(chosen)
        Pole.objects.bulk_create(poles, batch_size=batch_size(Pole))
        self.poles = poles
        self._make_pole_links()
        self._timed("poles", start)

    def _make_pole_links(self):
        rng = self.rng
        through = {
            name: Pole._meta.get_field(name).remote_field.through
            for name in (
                "sectors",
                "pooling_types",
                "networks",
                "recognitions",
                "territory_communes",
                "territory_epcis",
                "territory_departements",
                "territory_regions",
            )
        }
        rows = defaultdict(list)
        sources = []
        for pole, sectors, seat in zip(self.poles, self.pole_sectors, self.pole_seats, strict=True):
            code, _name, dep, reg, epci, *_ = seat
            rows["sectors"] += [
                new(through["sectors"], pole_id=pole.pk, sector_id=s.pk) for s in sectors
            ]
            rows["pooling_types"] += [
                new(through["pooling_types"], pole_id=pole.pk, poolingtype_id=kind.pk)
                for slug, kind in self.pooling_types.items()
                if rng.random() < POOLING_SHARES.get(slug, 0)
            ]
            rows["networks"] += [
                new(through["networks"], pole_id=pole.pk, network_id=network.pk)
                for network in rng.sample(self.networks, rng.choice([0, 0, 1, 1, 2, 3]))
            ]
            if self.recognitions and rng.random() < 0.03:
                rows["recognitions"].append(
                    new(
                        through["recognitions"],
                        pole_id=pole.pk,
                        recognition_id=rng.choice(self.recognitions).pk,
                    )
                )
            # Territory of action: a few communes around the seat, its EPCI,
            # its département, or (rarely) its whole région.
            scope = rng.random()
            if scope < 0.5 or not epci:
                neighbours = self.communes_by_departement[dep]
                codes = {code} | {row[0] for row in rng.sample(neighbours, min(len(neighbours), 4))}
                rows["territory_communes"] += [
                    new(through["territory_communes"], pole_id=pole.pk, commune_id=c)
                    for c in sorted(codes)
                ]
            elif scope < 0.8:
                rows["territory_epcis"].append(
                    new(through["territory_epcis"], pole_id=pole.pk, epci_id=epci)
                )
            elif scope < 0.95:
                rows["territory_departements"].append(
                    new(through["territory_departements"], pole_id=pole.pk, departement_id=dep)
                )
            else:
                rows["territory_regions"].append(
                    new(through["territory_regions"], pole_id=pole.pk, region_id=reg)
                )
            sources.append(
                new(PoleSource, pole_id=pole.pk, citation=self.source, url="", position=0)
            )
        for name, objects in rows.items():
            bulk_insert(through[name], objects)
            self.report.counts[f"pole_{name}"] = len(objects)
        bulk_insert(PoleSource, sources)
        self.report.counts["poles"] = len(self.poles)
        # Bulk inserts send no signal. Every pole here is synthetic (the generator
        # refuses a database with real ones), so rebuilding every pole's is exact.
        self.report.counts["pole_coverage"] = refresh_coverage()

    def make_structures(self):  # noqa: C901, PLR0915 - one pass writing every field of the survey's proportions
        start = time.monotonic()
        rng = self.rng
        iae = [
            self.approvals[slug] for slug in ("aci", "ai", "ei", "etti") if slug in self.approvals
        ]
        eligible_families = {"association", "company", "cooperative"}
        # IAE approvals go to associations, cooperatives and companies only (every
        # association intermédiaire holds the AI approval): the others' chance is raised
        # so that the share among all structures is the survey's 23 %.
        total_share = sum(STRUCTURE_LEGAL_FORMS.values())
        ai_share = STRUCTURE_LEGAL_FORMS["association-intermediaire"] / total_share
        eligible_share = (
            sum(
                share
                for slug, share in STRUCTURE_LEGAL_FORMS.items()
                if self.legal_forms[slug].family in eligible_families
            )
            / total_share
            - ai_share
        )
        iae_chance = (IAE_SHARE - ai_share) / eligible_share
        structures = []
        approvals = []
        # Structures are dealt to poles: a pole's count follows a skewed distribution.
        weights = [rng.lognormvariate(0, 0.6) for _ in self.poles]
        total = sum(weights)
        counts = [max(1, int(self.sizes.structures * w / total)) for w in weights]
        while sum(counts) > self.sizes.structures and max(counts) > 1:
            counts[counts.index(max(counts))] -= 1
        index = 0
        while sum(counts) < self.sizes.structures:
            counts[index % len(counts)] += 1
            index += 1
        self.structure_home = []  # pole index of each structure
        number = 0
        for pole_index, count in enumerate(counts):
            dep = self.pole_seats[pole_index][2]
            neighbours = self.communes_by_departement[dep]
            for _ in range(count):
                if number >= self.sizes.structures:
                    break
                legal_form = self._structure_legal_form()
                family = legal_form.family
                words = STRUCTURE_WORDS.get(family, STRUCTURE_WORDS["other"])
                commune = rng.choice(neighbours)
                name = f"{rng.choice(words)} {rng.choice(STRUCTURE_TOPICS)} de {commune[1]}"
                if rng.random() < UNDER_TEN_SHARE:
                    band = _weighted(rng, SMALL_BANDS)
                else:
                    band = _weighted(rng, LARGE_BANDS)
                low, high = BAND_ETP[band]
                etp = Decimal(rng.randint(low * 10, high * 10 + 5)) / 10 if high else None
                turnover = int(float(etp) * rng.randint(30_000, 70_000)) if etp else None
                headcount_band = self.bands.get(band)
                structure = new(
                    Structure,
                    name=name,
                    siret=make_siret(number + 1),
                    legal_form_id=legal_form.pk,
                    headcount_band_id=headcount_band.pk if headcount_band else None,
                    etp=etp,
                    turnover=turnover,
                    figures_year=self.last_year if etp is not None else None,
                    commune_id=commune[0],
                    website="",
                    description=f"{SYNTHETIC_LABEL} : structure fictive.",
                    source=self.source,
                    is_synthetic=True,
                )
                structure._state.fields_cache["legal_form"] = legal_form
                structures.append(structure)
                approval = None
                if legal_form.slug == "association-intermediaire" and "ai" in self.approvals:
                    approval = self.approvals["ai"]
                elif iae and family in eligible_families and rng.random() < iae_chance:
                    if family == "company":
                        approval = rng.choice(iae[2:] or iae)
                    else:
                        approval = rng.choice(iae[:2] or iae)
                approvals.append(approval)
                self.structure_home.append(pole_index)
                number += 1
        bulk_insert(Structure, structures, with_ids=True)
        through = Structure.approvals.through
        links = [
            new(through, structure_id=structure.pk, approval_id=approval.pk)
            for structure, approval in zip(structures, approvals, strict=True)
            if approval is not None
        ]
        # A few ESS structures also hold the ESUS approval.
        if "esus" in self.approvals:
            esus = self.approvals["esus"]
            links += [
                new(through, structure_id=structure.pk, approval_id=esus.pk)
                for structure in structures
                if structure.legal_form.family != "public" and rng.random() < 0.05
            ]
        bulk_insert(through, links)
        self.structures = structures
        self.report.counts["structures"] = len(structures)
        self.report.counts["structure_approvals"] = len(links)
        self._timed("structures", start)

    def make_memberships(self):  # noqa: C901 - one pass over the roles of the survey's proportions
        start = time.monotonic()
        rng = self.rng
        by_pole = defaultdict(list)
        for structure, pole_index in zip(self.structures, self.structure_home, strict=True):
            by_pole[pole_index].append(structure)
        # Some structures also join another pole.
        shared = defaultdict(list)
        for structure, home in zip(self.structures, self.structure_home, strict=True):
            if rng.random() < SHARED_STRUCTURE_SHARE:
                other = rng.randrange(len(self.poles))
                if other != home:
                    shared[other].append(structure)
        memberships = []
        self.pole_members = []
        self.pole_memberships = []
        for pole_index, pole in enumerate(self.poles):
            own = by_pole[pole_index]
            members = own + shared[pole_index]
            self.pole_members.append(members)
            founded = pole.founded_year
            # The animator: the pole's first structure that is a SCIC or an association
            # when there is one.
            animator = next(
                (s for s in own if s.legal_form.slug in ("scic", "association")),
                members[0] if members else None,
            )
            founders = set(rng.sample(range(len(members)), min(len(members), rng.randint(1, 3))))
            its_memberships = []
            for position, structure in enumerate(members):
                if structure is animator:
                    role = Membership.Role.ANIMATOR
                elif position in founders:
                    role = Membership.Role.FOUNDER
                elif rng.random() < 0.1:
                    role = Membership.Role.PARTNER
                else:
                    role = Membership.Role.MEMBER
                joined = (
                    founded
                    if role in (Membership.Role.ANIMATOR, Membership.Role.FOUNDER)
                    else rng.randint(founded, self.last_year)
                )
                left = None
                if (
                    role in (Membership.Role.MEMBER, Membership.Role.PARTNER)
                    and rng.random() < 0.05
                ):
                    left = rng.randint(joined, self.last_year)
                membership = new(
                    Membership,
                    pole_id=pole.pk,
                    structure_id=structure.pk,
                    role=role,
                    joined_year=joined,
                    left_year=left,
                    source=self.source,
                )
                membership._state.fields_cache["structure"] = structure
                its_memberships.append(membership)
            memberships += its_memberships
            self.pole_memberships.append(its_memberships)
        bulk_insert(Membership, memberships)
        self.report.counts["memberships"] = len(memberships)
        # Cooperators follow the poles' sizes.
        sizes = [len(members) or 1 for members in self.pole_members]
        total = sum(sizes)
        counts = [self.sizes.cooperators * size // total for size in sizes]
        for index in range(self.sizes.cooperators - sum(counts)):
            counts[index % len(counts)] += 1
        self.cooperator_counts = counts
        self._timed("memberships", start)
        start = time.monotonic()
        # The observatory's member structure tallies (derived data): bulk inserts send
        # no signal, and every pole here is synthetic, so rebuilding every pole's is exact.
        # Statistics first: without them the planner takes the freshly copied tables for
        # a few rows, and the rebuild ran for more than 13 minutes at 8,000 poles.
        analyze_tables(Structure, Membership, Structure.approvals.through, HeadcountBand)
        self.report.counts["member_tallies"] = refresh_member_tallies()
        self._timed("member_tallies", start)

    def make_search_texts(self):
        """The stored search columns (text, and on PostgreSQL the weighted vector and
        the lexicon), written by the same service as for real poles
        (`poles.services.save_search_texts`) from the rows still in memory, instead of
        reading back 100,000 memberships: bulk updates, no per-row save."""
        start = time.monotonic()
        seats = Commune.objects.select_related("departement").in_bulk(
            {seat[0] for seat in self.pole_seats}
        )
        for pole, sectors, memberships in zip(
            self.poles, self.pole_sectors, self.pole_memberships, strict=True
        ):
            pole.seat_commune = seats[pole.seat_commune_id]
            # No public API hands Django rows already in memory as a prefetch: without
            # it the search text would read back what this generator just wrote.
            pole._prefetched_objects_cache = {"sectors": sectors, "memberships": memberships}  # noqa: SLF001
        save_search_texts(self.poles, force=True)
        for pole in self.poles:
            del pole._prefetched_objects_cache  # noqa: SLF001 - as above
        self._timed("search_text", start)

    def make_figures(self):
        start = time.monotonic()
        rng = self.rng
        figures = []
        first_year = self.last_year - self.sizes.years + 1
        for pole, members, cooperators in zip(
            self.poles, self.pole_members, self.cooperator_counts, strict=True
        ):
            etp = sum(float(s.etp or 0) for s in members) or rng.uniform(2, 20)
            etp *= rng.uniform(0.6, 0.8)
            for year in range(first_year, self.last_year + 1):
                etp *= rng.uniform(0.95, 1.12)
                figures.append(
                    new(
                        KeyFigure,
                        pole_id=pole.pk,
                        year=year,
                        etp=Decimal(round(etp, 1)).quantize(Decimal("0.1")),
                        turnover=int(etp * rng.randint(35_000, 60_000)),
                        member_structures_count=max(
                            1,
                            round(
                                len(members)
                                * (0.6 + 0.4 * (year - first_year + 1) / self.sizes.years)
                            ),
                        ),
                        cooperators_count=round(
                            cooperators * (0.5 + 0.5 * (year - first_year + 1) / self.sizes.years)
                        ),
                        is_approximate=rng.random() < 0.1,
                        source=self.source,
                    )
                )
        bulk_insert(KeyFigure, figures)
        self.report.counts["key_figures"] = len(figures)
        # Derived data: bulk inserts send no signal, and a rebuild is exact.
        refresh_poles_with_figures()
        self._timed("figures", start)

    def make_cooperators(self):  # noqa: PLR0915 - one pass writing every field of a cooperator
        start = time.monotonic()
        rng = self.rng
        # Colleges for the SCIC poles.
        colleges = []
        pole_colleges = defaultdict(list)
        for pole_index, pole in enumerate(self.poles):
            if pole.legal_form_id != self.legal_forms["scic"].pk:
                continue
            count = rng.randint(3, 5)
            names = rng.sample(COLLEGE_NAMES, count)
            for position, (name, weight) in enumerate(
                zip(names, _college_weights(rng, count), strict=True)
            ):
                college = new(
                    College,
                    pole_id=pole.pk,
                    name=name,
                    vote_weight=Decimal(weight),
                    position=position,
                )
                colleges.append(college)
                pole_colleges[pole_index].append(college)
        bulk_insert(College, colleges, with_ids=True)
        self.report.counts["colleges"] = len(colleges)

        counts = self.cooperator_counts
        ascii_names = {name: slugify(name) for name in FIRST_NAMES + LAST_NAMES}
        created = 0
        batch = []
        serial = 0
        for pole_index, (pole, count) in enumerate(zip(self.poles, counts, strict=True)):
            members = self.pole_members[pole_index]
            its_colleges = pole_colleges.get(pole_index, [])
            founded = date(pole.founded_year, 1, 1).toordinal()
            last = date(self.last_year, 12, 31).toordinal()
            organisations = 0
            for _ in range(count):
                serial += 1
                joined_on = date.fromordinal(rng.randint(founded, last))
                left_on = (
                    date.fromordinal(rng.randint(joined_on.toordinal(), last))
                    if rng.random() < 0.05
                    else None
                )
                college = rng.choice(its_colleges) if its_colleges else None
                if rng.random() < PERSON_COOPERATOR_SHARE or organisations >= len(members):
                    first, last_name = rng.choice(FIRST_NAMES), rng.choice(LAST_NAMES)
                    consents = rng.random() < PERSON_CONSENT_SHARE
                    cooperator = new(
                        Cooperator,
                        pole_id=pole.pk,
                        kind=Cooperator.Kind.PERSON,
                        name=f"{first} {last_name}",
                        email=f"{ascii_names[first]}.{ascii_names[last_name]}.{serial}@example.invalid",
                        phone=f"01 99 00 {serial % 100:02d} {serial // 100 % 100:02d}",
                        postal_address=f"{serial % 200 + 1} rue de l'Exemple (adresse fictive)",
                        consents_to_publication=consents,
                        consent_recorded_on=joined_on if consents else None,
                    )
                else:
                    structure = members[organisations]
                    organisations += 1
                    cooperator = new(
                        Cooperator,
                        pole_id=pole.pk,
                        kind=Cooperator.Kind.ORGANISATION,
                        name=structure.name,
                        structure_id=structure.pk,
                    )
                cooperator.college_id = college.pk if college else None
                cooperator.shares = rng.randint(1, 20)
                cooperator.joined_on = joined_on
                cooperator.left_on = left_on
                cooperator.is_board_member = rng.random() < 0.05
                cooperator.source = self.source
                cooperator.is_synthetic = True
                batch.append(cooperator)
            if len(batch) >= 20_000:
                bulk_insert(Cooperator, batch)
                created += len(batch)
                batch = []
        bulk_insert(Cooperator, batch)
        created += len(batch)
        self.report.counts["cooperators"] = created
        self._timed("cooperators", start)


def generate(*, sizes: Sizes, replace: bool = False) -> Report:
    """Fill the database with a synthetic dataset; see the module docstring."""
    check_database(replace=replace)
    if replace:
        delete_synthetic()
    report = Generator(sizes).run()
    if replace:
        rebuild_search_lexicon()  # without the words of the deleted synthetic poles
    start = time.monotonic()
    analyze_tables()
    report.timings["analyze"] = round(time.monotonic() - start, 2)
    bump_generation()
    return report


def analyze_tables(*only) -> None:
    """Give PostgreSQL's planner statistics on the freshly loaded tables (`only` these
    models' when given: ANALYZE alone, which a transaction allows).

    Autovacuum would get there eventually; until it does, the planner believes the
    tables hold a few rows and picks nested loops over 100,000 memberships (seconds
    instead of milliseconds). VACUUM also sets the visibility map for index-only scans.
    It cannot run inside a transaction: skipped when the caller holds one (tests).
    """
    if connection.vendor != "postgresql":
        return
    if only:
        with connection.cursor() as cursor:
            for model in only:
                cursor.execute(f"ANALYZE {connection.ops.quote_name(model._meta.db_table)}")
        return
    if connection.in_atomic_block:
        return
    models = [
        Pole,
        Structure,
        Membership,
        KeyFigure,
        PoleSource,
        College,
        Cooperator,
        Structure.approvals.through,
        *(field.remote_field.through for field in Pole._meta.local_many_to_many),
        SearchWord,
        MemberTally,
        SharedMember,
        PoleWithFigures,
        # The territories, loaded by load_territories just before: without statistics
        # the planner takes the 35,000 communes for a few hundred rows.
        Commune,
        Departement,
        Region,
        EPCI,
        EPCI.departements.through,
    ]
    with connection.cursor() as cursor:
        for model in models:
            cursor.execute(f"VACUUM ANALYZE {connection.ops.quote_name(model._meta.db_table)}")
