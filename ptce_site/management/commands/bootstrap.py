from django.core.management import call_command
from django.core.management.base import BaseCommand


class Command(BaseCommand):
    help = (
        "Load territories, reference lists and seed poles, and set up the editor groups: "
        "what `make run` needs. Idempotent."
    )

    def handle(self, *args, **options):
        call_command("load_territories", stdout=self.stdout)
        call_command("load_reference", stdout=self.stdout)
        call_command("load_seed", stdout=self.stdout)
        call_command("setup_editor_groups", stdout=self.stdout)
