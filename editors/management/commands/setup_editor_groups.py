from django.core.management.base import BaseCommand

from editors.services import setup_editor_groups


class Command(BaseCommand):
    help = (
        "Create or update the editor groups (national administrators, territorial "
        "editors, pole coordinators) with their model permissions. Safe to run again."
    )

    def handle(self, *args, **options):
        for name, count in setup_editor_groups().items():
            self.stdout.write(f"{name}: {count} permissions")
