"""import_batch now points at imports.ImportBatch: the same table, so only Django's
state changes (the foreign key in the database is untouched)."""

import django.db.models.deletion
from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('recovery', '0004_arrear_import_batch_arrear_ledger_amount_and_more'),
        ('imports', '0001_initial'),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.AlterField(
                    model_name='arrear',
                    name='import_batch',
                    field=models.ForeignKey(blank=True, editable=False, null=True, on_delete=django.db.models.deletion.PROTECT, related_name='+', to='imports.importbatch', verbose_name='导入批次'),
                ),
                migrations.AlterField(
                    model_name='debtor',
                    name='import_batch',
                    field=models.ForeignKey(blank=True, editable=False, null=True, on_delete=django.db.models.deletion.PROTECT, related_name='+', to='imports.importbatch', verbose_name='导入批次'),
                ),
                migrations.AlterField(
                    model_name='repayment',
                    name='import_batch',
                    field=models.ForeignKey(blank=True, editable=False, null=True, on_delete=django.db.models.deletion.PROTECT, related_name='+', to='imports.importbatch', verbose_name='导入批次'),
                ),
            ],
            database_operations=[],
        ),
    ]
