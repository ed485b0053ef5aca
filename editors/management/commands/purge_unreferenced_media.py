from datetime import timedelta

from django.core.files.storage import default_storage
from django.core.management.base import BaseCommand

from editors.media import unreferenced_files


class Command(BaseCommand):
    help = (
        "Delete uploaded files (logos, photos) that no stored record and no version of the "
        "history names any more. Run `deleterevisions` first to let the files of poles "
        "deleted long ago go (docs/admin-guide-history.md#file-retention)."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--dry-run", action="store_true", help="List the files, delete nothing."
        )
        parser.add_argument(
            "--min-age-hours",
            type=int,
            default=24,
            help="Spare files younger than this (uploads whose save is in progress). Default 24.",
        )

    def handle(self, *args, dry_run=False, min_age_hours=24, **options):
        names = unreferenced_files(min_age=timedelta(hours=max(min_age_hours, 0)))
        for name in names:
            if not dry_run:
                default_storage.delete(name)
            self.stdout.write(name)
        verb = "would be deleted" if dry_run else "deleted"
        self.stdout.write(self.style.SUCCESS(f"{len(names)} unreferenced file(s) {verb}."))
