from pathlib import Path

from django.core.management.base import BaseCommand

from territories.services import DEFAULT_TERRITORY_DIR, load_territories


class Command(BaseCommand):
    help = "Load (or update) régions, départements, EPCI and communes from fixtures/territories/."

    def add_arguments(self, parser):
        parser.add_argument("--directory", type=Path, default=DEFAULT_TERRITORY_DIR)
        parser.add_argument(
            "--force", action="store_true", help="Reload even if the files have not changed."
        )

    def handle(self, *args, directory, force, **options):
        report = load_territories(directory=directory, force=force)
        if report.skipped:
            self.stdout.write("Territories already up to date.")
            return
        self.stdout.write(
            self.style.SUCCESS(
                f"Loaded {report.regions} régions, {report.departements} départements, "
                f"{report.epcis} EPCI, {report.communes} communes "
                f"({report.retired_communes} marked as former)."
            )
        )
