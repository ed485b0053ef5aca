import reversion
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction

from members.services import load_seed_cooperators
from poles import derived
from poles.services import load_seed, mark_seed_synced
from territories.models import Commune


class Command(BaseCommand):
    help = (
        "Create the real seed poles of fixtures/seed/ that are not loaded yet, and give the "
        "seed's additions to the seed poles no one has edited."
    )

    def handle(self, *args, **options):
        if not Commune.objects.exists():
            raise CommandError("Load the territories first: manage.py load_territories")
        # One transaction and one revision for the poles and their cooperators.
        with transaction.atomic(), reversion.create_revision():
            with derived.batch():
                report = load_seed()
                load_seed_cooperators(slugs=report.created)
            mark_seed_synced([*report.created, *report.completed])
        self.stdout.write(
            self.style.SUCCESS(
                f"Seed poles: {len(report.created)} created, {len(report.kept)} already present "
                f"(left untouched), {len(report.completed)} completed with later additions."
            )
        )
