"""CAF versions are only ever added to: the database refuses UPDATE and DELETE."""

from django.db import migrations

SQL = """
CREATE TRIGGER caf_cafversion_no_update_delete BEFORE UPDATE OR DELETE ON caf_cafversion
    FOR EACH ROW EXECUTE FUNCTION audit_refuse_change();
"""


class Migration(migrations.Migration):
    dependencies = [
        ("caf", "0001_caf_and_lead"),
        ("audit", "0004_append_only"),
    ]

    operations = [
        migrations.RunSQL(
            SQL,
            reverse_sql="DROP TRIGGER IF EXISTS caf_cafversion_no_update_delete ON caf_cafversion;",
        ),
    ]
