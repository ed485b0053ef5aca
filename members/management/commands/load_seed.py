from django.core.management.base import BaseCommand, CommandError

from members.services import load_seed
from territories.models import Commune


class Command(BaseCommand):
    help = (
        "Create the real seed poles of fixtures/seed/ that are not loaded yet, and give the "
        "seed's additions to the seed poles no one has edited."
    )

    def handle(self, *args, **options):
        if not Commune.objects.exists():
            raise CommandError("Load the territories first: manage.py load_territories")
        report = load_seed()
        self.stdout.write(
            self.style.SUCCESS(
                f"Seed poles: {len(report.created)} created, {len(report.kept)} already present "
                f"(left untouched), {len(report.completed)} completed with later additions."
            )
        )
