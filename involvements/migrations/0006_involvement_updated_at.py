import django.utils.timezone
from django.db import migrations, models

# Rows that exist already: the latest date we know something changed (the start, or the end).
BACKFILL = """
UPDATE involvements_involvement
SET updated_at = GREATEST(start_date, COALESCE(end_date, start_date))::timestamptz
"""


class Migration(migrations.Migration):
    dependencies = [
        ("involvements", "0005_involvement_external_ref_involvement_source_and_more"),
    ]

    operations = [
        migrations.AddField(
            model_name="involvement",
            name="updated_at",
            field=models.DateTimeField(default=django.utils.timezone.now),
        ),
        migrations.RunSQL(BACKFILL, reverse_sql=migrations.RunSQL.noop),
    ]
