from django.core.management.base import BaseCommand, CommandError

from devtools import synthetic


class Command(BaseCommand):
    help = (
        "Fill the database with a synthetic national directory (seeded, reproducible), "
        "for benchmarks. Refuses to run on a database that holds real poles."
    )

    def add_arguments(self, parser):
        defaults = synthetic.Sizes()
        parser.add_argument("--poles", type=int, default=defaults.poles)
        parser.add_argument("--structures", type=int, default=defaults.structures)
        parser.add_argument("--cooperators", type=int, default=defaults.cooperators)
        parser.add_argument(
            "--years", type=int, default=defaults.years, help="Years of key figures per pole."
        )
        parser.add_argument("--seed", type=int, default=defaults.seed)
        parser.add_argument(
            "--replace",
            action="store_true",
            help="Delete the synthetic data already there first (never real data).",
        )

    def handle(self, *args, **options):
        sizes = synthetic.Sizes(
            poles=options["poles"],
            structures=options["structures"],
            cooperators=options["cooperators"],
            years=options["years"],
            seed=options["seed"],
        )
        if sizes.poles < 1 or sizes.structures < sizes.poles or sizes.cooperators < 0:
            raise CommandError("Give at least one pole and at least as many structures as poles.")
        if not 1 <= sizes.years <= 30:
            raise CommandError("--years must lie between 1 and 30.")
        try:
            report = synthetic.generate(sizes=sizes, replace=options["replace"])
        except (
            synthetic.RealDataPresent,
            synthetic.SyntheticDataPresent,
            synthetic.MissingReferenceData,
        ) as exc:
            raise CommandError(str(exc)) from exc
        counts = ", ".join(f"{name}: {count}" for name, count in report.counts.items())
        timings = ", ".join(f"{name} {seconds}s" for name, seconds in report.timings.items())
        self.stdout.write(self.style.SUCCESS(f"Synthetic data generated ({counts})."))
        self.stdout.write(f"Timings: {timings}.")
