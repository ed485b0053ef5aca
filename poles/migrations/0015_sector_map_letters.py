from django.db import migrations, models

# The reference sectors' new palette (Paul Tol's "muted" scheme, distinct for colour-blind
# readers) and letters, for databases loaded before them: (old colour, new colour, French
# letters, English letters). A colour an administrator changed is left alone.
PALETTE = {
    "alimentation-circuits-courts": ("#c0392b", "#117733", "Al", "Fo"),
    "agriculture": ("#558b2f", "#117733", "Ag", "Ag"),
    "eco-construction": ("#8e5a2b", "#ddcc77", "Éc", "Ec"),
    "logement": ("#6d4c41", "#ddcc77", "Lo", "Ho"),
    "reemploi-dechets": ("#2e7d32", "#44aa99", "Ré", "Re"),
    "energies-renouvelables": ("#f9a825", "#44aa99", "Én", "En"),
    "mobilite": ("#00838f", "#88ccee", "Mo", "Mo"),
    "culture-industries-creatives": ("#8e24aa", "#aa4499", "Cu", "Cu"),
    "tourisme": ("#ef6c00", "#882255", "To", "To"),
    "services-proximite": ("#d81b60", "#cc6677", "Se", "Se"),
    "sante-soin": ("#ad1457", "#cc6677", "Sa", "He"),
    "insertion-emploi": ("#1565c0", "#332288", "In", "In"),
    "formation": ("#5e35b1", "#332288", "Fo", "Tr"),
    "numerique": ("#455a64", "#999933", "Nu", "Di"),
}


def apply_palette(apps, schema_editor):
    Sector = apps.get_model("poles", "Sector")
    for slug, (old, new, symbol, symbol_en) in PALETTE.items():
        Sector.objects.filter(slug=slug).update(symbol=symbol, symbol_en=symbol_en)
        Sector.objects.filter(slug=slug, color__iexact=old).update(color=new)


class Migration(migrations.Migration):
    dependencies = [
        ("poles", "0014_directory_order_index_only"),
    ]

    operations = [
        migrations.AddField(
            model_name="sector",
            name="symbol",
            field=models.CharField(
                blank=True,
                help_text="One or two letters drawn in the pole's marker, e.g. “Al”.",
                max_length=2,
                verbose_name="map letters (French)",
            ),
        ),
        migrations.AddField(
            model_name="sector",
            name="symbol_en",
            field=models.CharField(
                blank=True,
                help_text="The letters for English visitors; the French ones when empty.",
                max_length=2,
                verbose_name="map letters (English)",
            ),
        ),
        migrations.RunPython(apply_palette, migrations.RunPython.noop),
    ]
