"""The working calendar and messages become platform services.

Holiday and HolidayYear move here from events with their tables (``events_holiday``, ``events_holidayyear``): state
only. Notification and OutboundMessage are new tables that point at any record (content type + id); events' 0011
copies its rows into them.
"""

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('contenttypes', '0002_remove_content_type_name'),
        ('core', '0006_alter_user_phone_enc'),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.CreateModel(
                    name='Holiday',
                    fields=[
                        ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                        ('date', models.DateField(unique=True, verbose_name='日期')),
                        ('kind', models.CharField(choices=[('off', '放假'), ('work', '调休上班')], max_length=4, verbose_name='类型')),
                        ('name', models.CharField(max_length=50, verbose_name='名称')),
                    ],
                    options={
                        'verbose_name': '节假日与调休',
                        'verbose_name_plural': '节假日与调休',
                        'db_table': 'events_holiday',
                        'ordering': ['date'],
                    },
                ),
                migrations.CreateModel(
                    name='HolidayYear',
                    fields=[
                        ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                        ('year', models.PositiveSmallIntegerField(unique=True, verbose_name='年份')),
                        ('published', models.BooleanField(default=True, verbose_name='已录入官方安排')),
                        ('source', models.CharField(blank=True, max_length=200, verbose_name='依据')),
                    ],
                    options={
                        'verbose_name': '节假日年度',
                        'verbose_name_plural': '节假日年度',
                        'db_table': 'events_holidayyear',
                        'ordering': ['year'],
                    },
                ),
            ],
            database_operations=[],
        ),
        migrations.CreateModel(
            name='OutboundMessage',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('channel', models.CharField(choices=[('sms', '短信'), ('wechat', '微信订阅消息'), ('hotline', '12345 热线回传')], max_length=8, verbose_name='渠道')),
                ('backend', models.CharField(max_length=20, verbose_name='发送方式')),
                ('to_masked', models.CharField(blank=True, max_length=40, verbose_name='接收号码')),
                ('template', models.CharField(max_length=40, verbose_name='模板')),
                ('params', models.JSONField(default=dict, verbose_name='参数')),
                ('status', models.CharField(default='sent', max_length=12, verbose_name='状态')),
                ('target_id', models.PositiveBigIntegerField(blank=True, null=True, verbose_name='对象编号')),
                ('created_at', models.DateTimeField(auto_now_add=True, db_index=True, verbose_name='时间')),
                ('recipient', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='+', to=settings.AUTH_USER_MODEL, verbose_name='接收人')),
                ('target_type', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='+', to='contenttypes.contenttype', verbose_name='对象类型')),
            ],
            options={
                'verbose_name': '外发消息',
                'verbose_name_plural': '外发消息',
                'ordering': ['-created_at', '-pk'],
            },
        ),
        migrations.CreateModel(
            name='Notification',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('target_id', models.PositiveBigIntegerField(blank=True, null=True, verbose_name='对象编号')),
                ('kind', models.CharField(max_length=24, verbose_name='类型')),
                ('title', models.CharField(max_length=100, verbose_name='标题')),
                ('body', models.CharField(blank=True, max_length=500, verbose_name='内容')),
                ('url', models.CharField(blank=True, max_length=200, verbose_name='链接')),
                ('read_at', models.DateTimeField(blank=True, null=True, verbose_name='已读时间')),
                ('created_at', models.DateTimeField(auto_now_add=True, db_index=True, verbose_name='时间')),
                ('recipient', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='notifications', to=settings.AUTH_USER_MODEL, verbose_name='接收人')),
                ('target_type', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.CASCADE, related_name='+', to='contenttypes.contenttype', verbose_name='对象类型')),
            ],
            options={
                'verbose_name': '站内消息',
                'verbose_name_plural': '站内消息',
                'ordering': ['-created_at', '-pk'],
                'indexes': [models.Index(fields=['recipient', 'read_at', '-created_at'], name='core_notification_inbox'), models.Index(fields=['target_type', 'target_id'], name='core_notification_target')],
            },
        ),
    ]
