from django.core.management.base import BaseCommand

from suggestions.services import purge_contributor_emails, retention_days


class Command(BaseCommand):
    help = (
        "Erase the contributors' e-mail addresses of the suggestions decided more than "
        "SUGGESTIONS_RETENTION_DAYS ago (365 by default). Run it daily."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--days",
            type=int,
            default=None,
            help="Retention period in days (default: SUGGESTIONS_RETENTION_DAYS).",
        )

    def handle(self, *args, days=None, **options):
        days = retention_days() if days is None else days
        erased = purge_contributor_emails(days=days)
        self.stdout.write(
            f"{erased} contributor e-mail address(es) erased (decided more than {days} days ago)."
        )
