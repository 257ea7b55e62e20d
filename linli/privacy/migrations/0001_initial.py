
import datetime

import django.db.models.deletion
import django.utils.timezone
from django.conf import settings
from django.db import migrations, models

import linli.core.fields


class Migration(migrations.Migration):

    initial = True

    dependencies = [
        ('dataio', '0003_alter_correctionrequest_requested_enc'),
        ('people', '0006_encrypted_text_fields'),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    # The tables were created by dataio (0001); only the models' state moves here: the tables keep their names.
    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.CreateModel(
                    name='RetentionPolicy',
                    fields=[
                        ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                        ('kind', models.CharField(max_length=20, unique=True, verbose_name='记录类型')),
                        ('days', models.PositiveIntegerField(verbose_name='保存天数')),
                        ('active', models.BooleanField(default=True, verbose_name='启用')),
                        ('note', models.CharField(blank=True, max_length=200, verbose_name='依据/说明')),
                        ('updated_at', models.DateTimeField(auto_now=True, verbose_name='更新时间')),
                    ],
                    options={
                        'verbose_name': '保存期限',
                        'verbose_name_plural': '保存期限',
                        'db_table': 'dataio_retentionpolicy',
                        'ordering': ['kind'],
                    },
                ),
                migrations.CreateModel(
                    name='ConsentText',
                    fields=[
                        ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                        ('purpose', models.CharField(choices=[('face', '人脸信息（门禁）'), ('health', '健康等敏感标签'), ('minor', '未满十四周岁未成年人信息'), ('other', '其他敏感个人信息')], max_length=10, verbose_name='用途')),
                        ('version', models.CharField(max_length=20, verbose_name='版本')),
                        ('title', models.CharField(max_length=100, verbose_name='标题')),
                        ('body', models.TextField(verbose_name='告知与同意内容')),
                        ('effective_from', models.DateField(default=datetime.date.today, verbose_name='生效日期')),
                        ('is_active', models.BooleanField(default=True, help_text='停用后，依据该版本取得的同意不再有效，需重新取得', verbose_name='有效')),
                    ],
                    options={
                        'verbose_name': '同意书文本',
                        'verbose_name_plural': '同意书文本',
                        'db_table': 'dataio_consenttext',
                        'ordering': ['purpose', '-effective_from'],
                        'constraints': [models.UniqueConstraint(fields=('purpose', 'version'), name='consenttext_unique_version')],
                    },
                ),
                migrations.CreateModel(
                    name='ConsentRecord',
                    fields=[
                        ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                        ('region_path', linli.core.fields.PathField(blank=True, db_index=True, max_length=255)),
                        ('purpose', models.CharField(choices=[('face', '人脸信息（门禁）'), ('health', '健康等敏感标签'), ('minor', '未满十四周岁未成年人信息'), ('other', '其他敏感个人信息')], max_length=10, verbose_name='用途')),
                        ('version', models.CharField(max_length=20, verbose_name='同意书版本号')),
                        ('granted', models.BooleanField(help_text='否表示撤回同意', verbose_name='同意')),
                        ('evidence', models.CharField(help_text='如：纸质同意书编号、签字扫描件存放位置、线上勾选记录', max_length=300, verbose_name='凭证')),
                        ('at', models.DateTimeField(db_index=True, default=django.utils.timezone.now, verbose_name='时间')),
                        ('guardian', models.ForeignKey(blank=True, help_text='为空表示本人作出', null=True, on_delete=django.db.models.deletion.PROTECT, related_name='+', to='people.person', verbose_name='监护人')),
                        ('person', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='+', to='people.person', verbose_name='本人')),
                        ('recorded_by', models.ForeignKey(null=True, on_delete=django.db.models.deletion.PROTECT, related_name='+', to=settings.AUTH_USER_MODEL, verbose_name='登记人')),
                        ('tag', models.ForeignKey(blank=True, help_text='为空表示该用途下所有需同意的标签', null=True, on_delete=django.db.models.deletion.PROTECT, related_name='+', to='people.tag', verbose_name='标签')),
                        ('text', models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='records', to='privacy.consenttext', verbose_name='同意书版本')),
                    ],
                    options={
                        'verbose_name': '同意记录',
                        'verbose_name_plural': '同意记录',
                        'db_table': 'dataio_consentrecord',
                        'ordering': ['-at', '-pk'],
                    },
                ),
                migrations.CreateModel(
                    name='CorrectionRequest',
                    fields=[
                        ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                        ('region_path', linli.core.fields.PathField(blank=True, db_index=True, max_length=255)),
                        ('field', models.CharField(choices=[('name', '姓名'), ('id_number', '证件号码'), ('phone', '联系电话'), ('ethnicity', '民族'), ('hukou_address', '户籍地'), ('political_status', '政治面貌'), ('workplace', '工作单位'), ('address', '住址/人房关系'), ('household', '户/与户主关系'), ('tag', '标签'), ('other', '其他')], max_length=20, verbose_name='更正项')),
                        ('current', models.CharField(blank=True, help_text='证件号码与电话为脱敏值', max_length=200, verbose_name='当前内容')),
                        ('requested', models.CharField(help_text='证件号码与电话为脱敏值', max_length=200, verbose_name='申请更正为')),
                        ('requested_enc', linli.core.fields.EncryptedTextField(blank=True, editable=False, verbose_name='申请更正为（密文）')),
                        ('reason', models.CharField(max_length=500, verbose_name='理由')),
                        ('status', models.CharField(choices=[('submitted', '待处理'), ('accepted', '已更正'), ('rejected', '不予更正'), ('withdrawn', '已撤回')], db_index=True, default='submitted', max_length=10, verbose_name='状态')),
                        ('handled_at', models.DateTimeField(blank=True, null=True, verbose_name='处理时间')),
                        ('reply', models.CharField(blank=True, max_length=500, verbose_name='答复')),
                        ('created_at', models.DateTimeField(auto_now_add=True, db_index=True, verbose_name='申请时间')),
                        ('handled_by', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.PROTECT, related_name='+', to=settings.AUTH_USER_MODEL, verbose_name='处理人')),
                        ('person', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='+', to='people.person', verbose_name='人员')),
                        ('requested_by', models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='+', to=settings.AUTH_USER_MODEL, verbose_name='申请人')),
                    ],
                    options={
                        'verbose_name': '更正申请',
                        'verbose_name_plural': '更正申请',
                        'db_table': 'dataio_correctionrequest',
                        'ordering': ['-created_at', '-pk'],
                    },
                ),
                migrations.CreateModel(
                    name='CorrectionTransition',
                    fields=[
                        ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                        ('note', models.CharField(blank=True, max_length=500, verbose_name='说明')),
                        ('at', models.DateTimeField(auto_now_add=True, verbose_name='时间')),
                        ('from_status', models.CharField(blank=True, max_length=10, verbose_name='原状态')),
                        ('to_status', models.CharField(max_length=10, verbose_name='新状态')),
                        ('actor', models.ForeignKey(null=True, on_delete=django.db.models.deletion.PROTECT, related_name='+', to=settings.AUTH_USER_MODEL, verbose_name='操作人')),
                        ('request', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='transitions', to='privacy.correctionrequest', verbose_name='更正申请')),
                    ],
                    options={
                        'verbose_name': '更正申请状态变更',
                        'verbose_name_plural': '更正申请状态变更',
                        'db_table': 'dataio_correctiontransition',
                        'ordering': ['at', 'pk'],
                        'abstract': False,
                    },
                ),
                migrations.CreateModel(
                    name='LegalHold',
                    fields=[
                        ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                        ('kind', models.CharField(blank=True, max_length=20, verbose_name='记录类型')),
                        ('reason', models.CharField(max_length=300, verbose_name='事由')),
                        ('created_at', models.DateTimeField(auto_now_add=True, verbose_name='设立时间')),
                        ('released_at', models.DateTimeField(blank=True, null=True, verbose_name='解除时间')),
                        ('created_by', models.ForeignKey(null=True, on_delete=django.db.models.deletion.PROTECT, related_name='+', to=settings.AUTH_USER_MODEL, verbose_name='设立人')),
                        ('person', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.PROTECT, related_name='+', to='people.person', verbose_name='人员')),
                        ('released_by', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.PROTECT, related_name='+', to=settings.AUTH_USER_MODEL, verbose_name='解除人')),
                    ],
                    options={
                        'verbose_name': '法律保全',
                        'verbose_name_plural': '法律保全',
                        'db_table': 'dataio_legalhold',
                        'ordering': ['-created_at', '-pk'],
                        'constraints': [models.CheckConstraint(condition=models.Q(('person__isnull', False), models.Q(('kind', ''), _negated=True), _connector='OR'), name='legalhold_person_or_kind')],
                    },
                ),
            ],
            database_operations=[],
        ),
    ]
