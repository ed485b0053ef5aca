from django.core.management.base import BaseCommand, CommandError

from poles.services import load_seed
from territories.models import Commune


class Command(BaseCommand):
    help = "Create the real seed poles of fixtures/seed/poles.json that are not loaded yet."

    def handle(self, *args, **options):
        if not Commune.objects.exists():
            raise CommandError("Load the territories first: manage.py load_territories")
        report = load_seed()
        self.stdout.write(
            self.style.SUCCESS(
                f"Seed poles: {len(report.created)} created, {len(report.kept)} already present "
                "(left untouched)."
            )
        )
