import reversion
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction

from members.services import load_seed_cooperators
from poles import derived
from poles.services import load_seed
from territories.models import Commune


class Command(BaseCommand):
    help = "Create the real seed poles of fixtures/seed/poles.json that are not loaded yet."

    def handle(self, *args, **options):
        if not Commune.objects.exists():
            raise CommandError("Load the territories first: manage.py load_territories")
        # One transaction and one revision for the poles and their cooperators.
        with transaction.atomic(), reversion.create_revision(), derived.batch():
            report = load_seed()
            load_seed_cooperators(slugs=report.created)
        self.stdout.write(
            self.style.SUCCESS(
                f"Seed poles: {len(report.created)} created, {len(report.kept)} already present "
                "(left untouched)."
            )
        )
