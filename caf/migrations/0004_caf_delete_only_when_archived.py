"""CAF versions stay append-only, except that retention may delete them with an archived child."""

from django.db import migrations

SQL = """
CREATE OR REPLACE FUNCTION caf_refuse_change() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'DELETE' AND EXISTS (
        SELECT 1 FROM records_child c WHERE c.id = OLD.child_id AND c.archived_on IS NOT NULL
    ) THEN
        RETURN OLD;
    END IF;
    RAISE EXCEPTION 'CAF versions are only ever added to: % refused', TG_OP
        USING ERRCODE = 'insufficient_privilege';
END
$$;
DROP TRIGGER IF EXISTS caf_cafversion_no_update_delete ON caf_cafversion;
CREATE TRIGGER caf_cafversion_no_update_delete BEFORE UPDATE OR DELETE ON caf_cafversion
    FOR EACH ROW EXECUTE FUNCTION caf_refuse_change();
"""

REVERSE = """
DROP TRIGGER IF EXISTS caf_cafversion_no_update_delete ON caf_cafversion;
CREATE TRIGGER caf_cafversion_no_update_delete BEFORE UPDATE OR DELETE ON caf_cafversion
    FOR EACH ROW EXECUTE FUNCTION audit_refuse_change();
DROP FUNCTION IF EXISTS caf_refuse_change();
"""


class Migration(migrations.Migration):
    dependencies = [("caf", "0003_alter_cafversion_child_alter_leadprofessional_child")]

    operations = [migrations.RunSQL(SQL, reverse_sql=REVERSE)]
