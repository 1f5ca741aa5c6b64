"""Migration operations Attest needs beyond Django's own."""

from django.db import migrations


class AlterTextLimit(migrations.AlterField):
    """``AlterField`` for giving a text field its maximum length (``common.text``), or changing
    it: in PostgreSQL it replaces the column's length ``CHECK``; SQLite's tables stay as they are.

    Django's own ``AlterField`` never adds a custom field's ``db_check`` to an existing column
    (it only reads the checks of built-in field types), so this operation does it: it drops the
    column's length check, if any (inline ones made by ``CREATE TABLE`` are named
    ``<table>_<column>_check``), and adds the new field's. Use it again to change a limit.

    SQLite can add a ``CHECK`` only by rebuilding the table, and the rebuild drops the table's
    triggers: the approval and team-move rules the database holds (governance 0003, catalog
    0004) would silently go. In SQLite, the embedded demo's database, the limit is held by the
    model, the forms, the API and the services.
    """

    def database_forwards(self, app_label, schema_editor, from_state, to_state):
        self._replace_check(app_label, schema_editor, to_state)

    def database_backwards(self, app_label, schema_editor, from_state, to_state):
        self._replace_check(app_label, schema_editor, to_state)

    def _replace_check(self, app_label, schema_editor, state):
        if schema_editor.connection.vendor != "postgresql":
            return
        model = state.apps.get_model(app_label, self.model_name)
        field = model._meta.get_field(self.name)
        table = model._meta.db_table
        for name in schema_editor._constraint_names(model, [field.column], check=True):
            if name.startswith(table[:30]) and name.endswith("_check"):
                schema_editor.execute(schema_editor._delete_check_sql(model, name))
        check = field.db_check(schema_editor.connection)
        if check:
            name = schema_editor._create_index_name(table, [field.column], suffix="_check")
            schema_editor.execute(schema_editor._create_check_sql(model, name, check))
