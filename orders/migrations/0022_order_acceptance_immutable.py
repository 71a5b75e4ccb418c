"""Order acceptances (注文請書) are records like the order documents they accept: the database
refuses to change one, and (PostgreSQL) to delete one before its retention date (as 0002 does
for order documents; on SQLite only updates are refused, for the same reason)."""

from django.db import migrations

POSTGRES_UP = """
CREATE OR REPLACE FUNCTION orders_orderacceptance_immutable() RETURNS trigger AS $$
BEGIN
    IF TG_OP = 'UPDATE' THEN
        RAISE EXCEPTION 'order acceptances are immutable records';
    END IF;
    IF OLD.retain_until >= (now() AT TIME ZONE 'Asia/Tokyo')::date THEN
        RAISE EXCEPTION 'order acceptances are kept until %', OLD.retain_until;
    END IF;
    RETURN OLD;
END;
$$ LANGUAGE plpgsql;
CREATE TRIGGER orders_orderacceptance_no_update BEFORE UPDATE OR DELETE ON orders_orderacceptance
    FOR EACH ROW EXECUTE FUNCTION orders_orderacceptance_immutable();
"""
POSTGRES_DOWN = """
DROP TRIGGER IF EXISTS orders_orderacceptance_no_update ON orders_orderacceptance;
DROP FUNCTION IF EXISTS orders_orderacceptance_immutable();
"""
SQLITE_UP = """CREATE TRIGGER orders_orderacceptance_no_update BEFORE UPDATE ON orders_orderacceptance
   BEGIN SELECT RAISE(ABORT, 'order acceptances are immutable records'); END;"""
SQLITE_DOWN = "DROP TRIGGER IF EXISTS orders_orderacceptance_no_update;"


def up(apps, schema_editor):
    vendor = schema_editor.connection.vendor
    if vendor == "postgresql":
        # params=None: the function body's % is PL/pgSQL's, not a query placeholder.
        schema_editor.execute(POSTGRES_UP, params=None)
    elif vendor == "sqlite":
        schema_editor.execute(SQLITE_UP)


def down(apps, schema_editor):
    vendor = schema_editor.connection.vendor
    if vendor == "postgresql":
        schema_editor.execute(POSTGRES_DOWN, params=None)
    elif vendor == "sqlite":
        schema_editor.execute(SQLITE_DOWN)


class Migration(migrations.Migration):
    dependencies = [("orders", "0021_order_lines_acceptance")]

    operations = [migrations.RunPython(up, down)]
