from django.core.management.base import BaseCommand

from poles.services import load_reference


class Command(BaseCommand):
    help = "Load or update the reference lists (sectors, legal forms, approvals…)."

    def handle(self, *args, **options):
        counts = load_reference()
        summary = ", ".join(f"{count} {name}" for name, count in counts.items())
        self.stdout.write(self.style.SUCCESS(f"Reference lists loaded: {summary}."))
