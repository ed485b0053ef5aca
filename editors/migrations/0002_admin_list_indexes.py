"""Indexes behind the staff admin's changelist orderings.

The pole changelist orders by the model's ordering (`sort_name`, `name`) and then by
id: with this index PostgreSQL reads the page's rows in order and stops at the page's
end, instead of joining every pole to its seat commune and sorting them all.

It lives here rather than in the poles app's Meta.indexes because it serves the admin
(editors) only, and so that the admin's migrations never interleave with the poles
app's own: plain SQL, the same on SQLite and PostgreSQL, outside the model state.
"""

from django.db import migrations

INDEXES = [
    ("pole_admin_order_idx", "poles_pole", "sort_name, name, id"),
]


class Migration(migrations.Migration):
    dependencies = [
        ("editors", "0001_initial"),
        ("poles", "0005_pole_sort_name"),
    ]

    operations = [
        migrations.RunSQL(
            sql=f"CREATE INDEX IF NOT EXISTS {name} ON {table} ({columns})",
            reverse_sql=f"DROP INDEX IF EXISTS {name}",
        )
        for name, table, columns in INDEXES
    ]
