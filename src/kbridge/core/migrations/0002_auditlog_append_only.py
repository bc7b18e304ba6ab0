"""Make the audit log append-only inside PostgreSQL itself.

A row trigger rejects UPDATE and DELETE on the table, so the application (or anyone
using its database role) cannot rewrite history even with raw SQL. SQLite has no equivalent
we rely on; the model layer refuses changes there. TRUNCATE stays possible for the
database owner (test runs flush tables with it); it is not something the application issues.
"""

from django.db import migrations

FORWARD = """
CREATE OR REPLACE FUNCTION kbridge_audit_append_only() RETURNS trigger AS $$
BEGIN
    RAISE EXCEPTION 'core_auditlog is append-only (% refused)', TG_OP
        USING ERRCODE = 'insufficient_privilege';
END;
$$ LANGUAGE plpgsql;
CREATE TRIGGER core_auditlog_no_update BEFORE UPDATE OR DELETE ON core_auditlog
    FOR EACH ROW EXECUTE FUNCTION kbridge_audit_append_only();
"""

BACKWARD = """
DROP TRIGGER IF EXISTS core_auditlog_no_update ON core_auditlog;
DROP FUNCTION IF EXISTS kbridge_audit_append_only();
"""


def forward(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(FORWARD, params=None)


def backward(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(BACKWARD, params=None)


class Migration(migrations.Migration):
    dependencies = [("core", "0001_initial")]
    operations = [migrations.RunPython(forward, backward)]
