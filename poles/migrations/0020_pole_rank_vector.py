import django.contrib.postgres.search
from django.db import migrations


def fill_rank_vectors(apps, schema_editor):
    """The name, summary and sectors' part (weights A and B) of every stored
    search_vector: what poles.services.save_search_texts writes from now on."""
    if schema_editor.connection.vendor != "postgresql":
        return
    schema_editor.execute(
        "UPDATE poles_pole SET rank_vector = ts_filter(search_vector, '{a,b}') "
        "WHERE search_vector IS NOT NULL"
    )


class Migration(migrations.Migration):
    dependencies = [
        ("poles", "0019_poles_with_figures"),
    ]

    operations = [
        migrations.AddField(
            model_name="pole",
            name="rank_vector",
            field=django.contrib.postgres.search.SearchVectorField(
                editable=False, null=True, verbose_name="rank vector"
            ),
        ),
        migrations.RunPython(fill_rank_vectors, migrations.RunPython.noop, elidable=True),
    ]
