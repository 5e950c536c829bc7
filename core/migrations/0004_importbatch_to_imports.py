"""ImportBatch now belongs to the imports app: drop it from core's state (the table stays,
it is imports.ImportBatch's), and carry its content type over so that permissions and
admin history follow it."""

from django.db import migrations


def move_content_type(apps, schema_editor):
    ContentType = apps.get_model("contenttypes", "ContentType")
    if not ContentType.objects.filter(app_label="imports", model="importbatch").exists():
        ContentType.objects.filter(app_label="core", model="importbatch").update(app_label="imports")


def move_content_type_back(apps, schema_editor):
    ContentType = apps.get_model("contenttypes", "ContentType")
    if not ContentType.objects.filter(app_label="core", model="importbatch").exists():
        ContentType.objects.filter(app_label="imports", model="importbatch").update(app_label="core")


class Migration(migrations.Migration):

    dependencies = [
        ('core', '0003_importbatch'),
        ('imports', '0001_initial'),
        ('recovery', '0005_import_batch_in_imports'),
        ('contracts', '0003_import_batch_in_imports'),
        ('contenttypes', '0002_remove_content_type_name'),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[migrations.DeleteModel(name='ImportBatch')],
            database_operations=[],
        ),
        migrations.RunPython(move_content_type, move_content_type_back),
    ]
