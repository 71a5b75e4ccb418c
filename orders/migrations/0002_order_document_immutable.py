"""Order documents are records (取適法 第7条): the database itself refuses to change an issued
one, and (PostgreSQL) to delete one before its retention date, whatever code runs against it.

On SQLite (development and the default test run) only updates are refused in the database:
the test runner empties tables with DELETE there, and the model and QuerySet refuse deletes.
"""

from django.db import migrations

POSTGRES_UP = """
CREATE OR REPLACE FUNCTION orders_orderdocument_immutable() RETURNS trigger AS $$
BEGIN
    IF TG_OP = 'UPDATE' THEN
        RAISE EXCEPTION 'order documents are immutable records';
    END IF;
    IF OLD.retain_until >= (now() AT TIME ZONE 'Asia/Tokyo')::date THEN
        RAISE EXCEPTION 'order documents are kept until %', OLD.retain_until;
    END IF;
    RETURN OLD;
END;
$$ LANGUAGE plpgsql;
CREATE TRIGGER orders_orderdocument_no_update BEFORE UPDATE OR DELETE ON orders_orderdocument
    FOR EACH ROW EXECUTE FUNCTION orders_orderdocument_immutable();
"""
POSTGRES_DOWN = """
DROP TRIGGER IF EXISTS orders_orderdocument_no_update ON orders_orderdocument;
DROP FUNCTION IF EXISTS orders_orderdocument_immutable();
"""
SQLITE_UP = [
    """CREATE TRIGGER orders_orderdocument_no_update BEFORE UPDATE ON orders_orderdocument
       BEGIN SELECT RAISE(ABORT, 'order documents are immutable records'); END;""",
]
SQLITE_DOWN = [
    "DROP TRIGGER IF EXISTS orders_orderdocument_no_update;",
]


def up(apps, schema_editor):
    vendor = schema_editor.connection.vendor
    if vendor == "postgresql":
        # params=None: the function body's % is PL/pgSQL's, not a query placeholder.
        schema_editor.execute(POSTGRES_UP, params=None)
    elif vendor == "sqlite":
        for statement in SQLITE_UP:
            schema_editor.execute(statement)


def down(apps, schema_editor):
    vendor = schema_editor.connection.vendor
    if vendor == "postgresql":
        schema_editor.execute(POSTGRES_DOWN, params=None)
    elif vendor == "sqlite":
        for statement in SQLITE_DOWN:
            schema_editor.execute(statement)


class Migration(migrations.Migration):
    dependencies = [("orders", "0001_initial")]

    operations = [migrations.RunPython(up, down)]
