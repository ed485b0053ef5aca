import uuid

from django.db import migrations, models
from django.utils import timezone


def create_stamp(apps, schema_editor):
    DataStamp = apps.get_model("caching", "DataStamp")
    DataStamp.objects.get_or_create(
        pk=1, defaults={"token": uuid.uuid4().hex, "changed_at": timezone.now()}
    )


class Migration(migrations.Migration):
    initial = True

    dependencies = []

    operations = [
        migrations.CreateModel(
            name="DataStamp",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                ("token", models.CharField(max_length=32, verbose_name="token")),
                ("changed_at", models.DateTimeField(verbose_name="changed at")),
            ],
            options={"verbose_name": "data stamp", "verbose_name_plural": "data stamps"},
        ),
        migrations.RunPython(create_stamp, migrations.RunPython.noop),
    ]
