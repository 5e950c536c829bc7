"""ImportBatch moves from core to imports: the model changes app, its table stays
(``core_importbatch``), no row is copied."""

import django.db.models.deletion
import django.utils.timezone
from django.conf import settings
from django.db import migrations, models

import imports.ledgers
import imports.models


class Migration(migrations.Migration):

    initial = True

    dependencies = [
        ('core', '0003_importbatch'),
        ('recovery', '0004_arrear_import_batch_arrear_ledger_amount_and_more'),
        ('contracts', '0002_contract_import_batch'),
        ('villages', '0001_initial'),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.CreateModel(
                    name='ImportBatch',
                    fields=[
                        ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                        ('kind', models.CharField(choices=imports.ledgers.kind_choices, max_length=20, verbose_name='导入内容')),
                        ('file', models.FileField(upload_to=imports.models.import_upload_path, verbose_name='文件')),
                        ('original_name', models.CharField(max_length=255, verbose_name='文件名')),
                        ('size', models.PositiveBigIntegerField(verbose_name='大小（字节）')),
                        ('sha256', models.CharField(db_index=True, max_length=64, verbose_name='SHA-256')),
                        ('uploaded_at', models.DateTimeField(db_index=True, default=django.utils.timezone.now, verbose_name='上传时间')),
                        ('status', models.CharField(choices=[('uploaded', '等待校验'), ('validating', '正在校验'), ('invalid', '有错误'), ('ready', '待确认导入'), ('importing', '正在导入'), ('imported', '已导入'), ('failed', '导入失败'), ('discarded', '已放弃')], default='uploaded', max_length=20, verbose_name='状态')),
                        ('row_count', models.PositiveIntegerField(default=0, verbose_name='数据行数')),
                        ('error_count', models.PositiveIntegerField(default=0, verbose_name='错误数')),
                        ('problems', models.JSONField(blank=True, default=list, verbose_name='错误（前 1000 条）')),
                        ('preview', models.JSONField(blank=True, default=dict, verbose_name='预览')),
                        ('receipt', models.JSONField(blank=True, default=dict, verbose_name='回执')),
                        ('failure', models.TextField(blank=True, verbose_name='失败原因')),
                        ('error_file', models.FileField(blank=True, upload_to='imports/errors/', verbose_name='标注错误的文件')),
                        ('plan_file', models.FileField(blank=True, upload_to='imports/plans/', verbose_name='校验后的数据')),
                        ('confirmed_at', models.DateTimeField(blank=True, null=True, verbose_name='确认时间')),
                        ('finished_at', models.DateTimeField(blank=True, null=True, verbose_name='完成时间')),
                        ('campaign', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.PROTECT, related_name='+', to='recovery.campaign', verbose_name='清收行动')),
                        ('confirmed_by', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.PROTECT, related_name='+', to=settings.AUTH_USER_MODEL, verbose_name='确认人')),
                        ('township', models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='+', to='villages.township', verbose_name='乡镇')),
                        ('uploaded_by', models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='+', to=settings.AUTH_USER_MODEL, verbose_name='上传人')),
                    ],
                    options={
                        'db_table': 'core_importbatch',
                        'verbose_name': '台账导入',
                        'verbose_name_plural': '台账导入',
                        'ordering': ['-uploaded_at', '-pk'],
                        'constraints': [models.UniqueConstraint(condition=models.Q(('status__in', ('importing', 'imported'))), fields=('township', 'sha256'), name='import_same_file_once', violation_error_message='同一文件已经导入过，不能重复导入。')],
                    },
                ),
            ],
            database_operations=[],
        ),
    ]
