from django.db import migrations


class Migration(migrations.Migration):

    dependencies = [
        ('dataio', '0003_alter_correctionrequest_requested_enc'),
        ('privacy', '0001_initial'),
    ]

    # The personal-data models moved to the privacy app with their tables: only dataio's state forgets them.
    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.RemoveField(
                    model_name='consentrecord',
                    name='guardian',
                ),
                migrations.RemoveField(
                    model_name='consentrecord',
                    name='person',
                ),
                migrations.RemoveField(
                    model_name='consentrecord',
                    name='recorded_by',
                ),
                migrations.RemoveField(
                    model_name='consentrecord',
                    name='tag',
                ),
                migrations.RemoveField(
                    model_name='consentrecord',
                    name='text',
                ),
                migrations.RemoveField(
                    model_name='correctionrequest',
                    name='handled_by',
                ),
                migrations.RemoveField(
                    model_name='correctionrequest',
                    name='person',
                ),
                migrations.RemoveField(
                    model_name='correctionrequest',
                    name='requested_by',
                ),
                migrations.RemoveField(
                    model_name='correctiontransition',
                    name='request',
                ),
                migrations.RemoveField(
                    model_name='correctiontransition',
                    name='actor',
                ),
                migrations.RemoveField(
                    model_name='legalhold',
                    name='created_by',
                ),
                migrations.RemoveField(
                    model_name='legalhold',
                    name='person',
                ),
                migrations.RemoveField(
                    model_name='legalhold',
                    name='released_by',
                ),
                migrations.DeleteModel(
                    name='RetentionPolicy',
                ),
                migrations.DeleteModel(
                    name='ConsentRecord',
                ),
                migrations.DeleteModel(
                    name='ConsentText',
                ),
                migrations.DeleteModel(
                    name='CorrectionRequest',
                ),
                migrations.DeleteModel(
                    name='CorrectionTransition',
                ),
                migrations.DeleteModel(
                    name='LegalHold',
                ),
            ],
            database_operations=[],
        ),
    ]
