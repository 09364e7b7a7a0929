"""The nudges, preferences, notifications and team webhooks, taken over from the practice app.

State only: the tables and their rows stay where they are.
"""

import django.db.models.deletion
import practice.nudges.models
from django.conf import settings
from django.db import migrations, models


class Migration(migrations.Migration):

    initial = True

    dependencies = [
        ('accounts', '0002_people_import'),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
        ('practice', '0009_move_nudges_teachback_cohorts_to_their_apps'),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.CreateModel(
                    name='NudgePreference',
                    fields=[
                        ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                        ('created_at', models.DateTimeField(auto_now_add=True, db_index=True)),
                        ('updated_at', models.DateTimeField(auto_now=True)),
                        ('email_enabled', models.BooleanField(default=True, verbose_name='email')),
                        ('in_app_enabled', models.BooleanField(default=True, verbose_name='in-app notifications')),
                        ('webhook_enabled', models.BooleanField(default=True, verbose_name='team chat (Slack or Teams)')),
                        ('paused_until', models.DateField(blank=True, help_text='No nudges up to and including this day.', null=True)),
                        ('unsubscribed_at', models.DateTimeField(blank=True, null=True)),
                        ('user', models.OneToOneField(on_delete=django.db.models.deletion.CASCADE, related_name='nudge_preference', to=settings.AUTH_USER_MODEL)),
                    ],
                    options={
                        'db_table': 'practice_nudgepreference',
                    },
                ),
                migrations.CreateModel(
                    name='TeamWebhook',
                    fields=[
                        ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                        ('created_at', models.DateTimeField(auto_now_add=True, db_index=True)),
                        ('updated_at', models.DateTimeField(auto_now=True)),
                        ('url', models.URLField(help_text='The incoming-webhook URL from Slack or Microsoft Teams (https).', max_length=500, verbose_name='webhook URL')),
                        ('secret', models.CharField(default=practice.nudges.models.new_webhook_secret, help_text='Signs each post (HMAC-SHA256 in X-Micromastery-Signature).', max_length=128)),
                        ('is_active', models.BooleanField(default=True)),
                        ('team', models.OneToOneField(on_delete=django.db.models.deletion.CASCADE, related_name='nudge_webhook', to='accounts.team')),
                    ],
                    options={
                        'db_table': 'practice_teamwebhook',
                        'ordering': ['team__name'],
                    },
                ),
                migrations.CreateModel(
                    name='Nudge',
                    fields=[
                        ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                        ('created_at', models.DateTimeField(auto_now_add=True, db_index=True)),
                        ('updated_at', models.DateTimeField(auto_now=True)),
                        ('kind', models.CharField(choices=[('practice_due', 'Practice due'), ('start_nudge', 'Time to start'), ('streak_at_risk', 'Streak at risk'), ('refresher_due', 'Refresher due'), ('payoff_checkin_due', 'Payoff check-in due'), ('digest', 'Several things due'), ('teachback_reminder', 'Teach-back reminder')], max_length=24)),
                        ('channel', models.CharField(choices=[('email', 'Email'), ('in_app', 'In-app notification'), ('webhook', 'Team chat (Slack/Teams)')], max_length=10)),
                        ('subject_ref', models.CharField(max_length=120)),
                        ('local_date', models.DateField(help_text="The recipient's own calendar day it is for.")),
                        ('due_at', models.DateTimeField()),
                        ('status', models.CharField(choices=[('planned', 'Planned'), ('sending', 'Sending'), ('sent', 'Sent'), ('failed', 'Failed'), ('cancelled', 'Cancelled'), ('suppressed', 'Suppressed')], default='planned', max_length=10)),
                        ('dedupe_key', models.CharField(max_length=200, unique=True)),
                        ('claim_token', models.UUIDField(blank=True, null=True)),
                        ('lease_expires_at', models.DateTimeField(blank=True, null=True)),
                        ('attempts', models.PositiveSmallIntegerField(default=0)),
                        ('last_error', models.TextField(blank=True)),
                        ('sent_at', models.DateTimeField(blank=True, null=True)),
                        ('opened_at', models.DateTimeField(blank=True, null=True)),
                        ('clicked_at', models.DateTimeField(blank=True, null=True)),
                        ('payload', models.JSONField(blank=True, default=dict)),
                        ('recipient', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='nudges', to=settings.AUTH_USER_MODEL)),
                        ('webhook', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='+', to='nudges.teamwebhook')),
                    ],
                    options={
                        'db_table': 'practice_nudge',
                        'ordering': ['-due_at', '-pk'],
                    },
                ),
                migrations.CreateModel(
                    name='Notification',
                    fields=[
                        ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                        ('created_at', models.DateTimeField(auto_now_add=True, db_index=True)),
                        ('updated_at', models.DateTimeField(auto_now=True)),
                        ('key', models.CharField(blank=True, max_length=200, null=True, unique=True)),
                        ('title', models.CharField(max_length=200)),
                        ('body', models.TextField(blank=True)),
                        ('url', models.CharField(blank=True, max_length=500)),
                        ('read_at', models.DateTimeField(blank=True, null=True)),
                        ('recipient', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='notifications', to=settings.AUTH_USER_MODEL)),
                        ('nudge', models.OneToOneField(blank=True, null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='notification', to='nudges.nudge')),
                    ],
                    options={
                        'db_table': 'practice_notification',
                        'ordering': ['-created_at', '-pk'],
                        'indexes': [models.Index(fields=['recipient', 'read_at'], name='practice_notif_unread')],
                    },
                ),
                migrations.AddIndex(
                    model_name='nudge',
                    index=models.Index(fields=['status', 'due_at'], name='practice_nudge_due'),
                ),
                migrations.AddIndex(
                    model_name='nudge',
                    index=models.Index(fields=['status', 'lease_expires_at'], name='practice_nudge_lease'),
                ),
                migrations.AddConstraint(
                    model_name='nudge',
                    constraint=models.UniqueConstraint(condition=models.Q(models.Q(('status__in', ['cancelled', 'suppressed']), _negated=True), models.Q(('kind__in', ['teachback_reminder']), _negated=True)), fields=('recipient', 'local_date', 'channel'), name='practice_nudge_one_per_day_and_channel'),
                ),
            ],
            database_operations=[],
        ),
    ]
