from django.core.management.base import BaseCommand
from django.urls import reverse

from poles.models import Structure
from poles.models.structure import RegistryState
from registry.services import refresh_structures


class Command(BaseCommand):
    help = (
        "Ask the SIRENE registry (API Recherche d'entreprises) about every structure with "
        "a SIRET: rewrite the fields that came from the registry (and the empty ones, "
        "never a value staff typed), record each establishment's state, and report the "
        "closed ones. Paced under the API's limit (7 requests a second); run it weekly."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--dry-run",
            action="store_true",
            help="Ask the registry and report, but store nothing.",
        )
        parser.add_argument(
            "--siret",
            action="append",
            default=[],
            help="Only this structure's SIRET (repeatable).",
        )

    def handle(self, *args, dry_run=False, siret=(), **options):
        structures = Structure.objects.exclude(siret="").filter(is_synthetic=False)
        if siret:
            structures = structures.filter(siret__in=siret)
        self.dry_run = dry_run
        results = refresh_structures(
            structures.select_related("legal_form", "commune", "headcount_band").order_by("pk"),
            dry_run=dry_run,
            progress=self._report,
        )
        closed = [r for r in results if r.state == RegistryState.CLOSED]
        failed = [r for r in results if r.error]
        changed = [r for r in results if r.changed]
        self.stdout.write(
            f"{len(results)} structure(s) checked, {len(changed)} updated, "
            f"{len(closed)} closed establishment(s), {len(failed)} not checked"
            + (" (dry run: nothing stored)." if dry_run else ".")
        )

    def _report(self, result):
        structure = result.structure
        label = f"{structure.name} (SIRET {structure.siret})"
        if result.error:
            self.stderr.write(f"Not checked: {label}: {result.error}")
            return
        if result.changed:
            verb = "Would update" if self.dry_run else "Updated"
            self.stdout.write(f"{verb} from the registry: {label}: {', '.join(result.changed)}")
        if result.state == RegistryState.NOT_FOUND:
            self.stdout.write(f"Not in the public registry: {label}")
        if result.state == RegistryState.CLOSED:
            url = reverse("admin:poles_structure_change", args=[structure.pk])
            self.stdout.write(
                self.style.WARNING(f"Closed establishment (établissement fermé): {label} {url}")
            )
