"""The teach-back sessions and invites, taken over from the practice app.

State only: the tables and their rows stay where they are.
"""

import django.core.validators
import django.db.models.deletion
import micromastery.common.models
import uuid
from django.conf import settings
from django.db import migrations, models


class Migration(migrations.Migration):

    initial = True

    dependencies = [
        ('courses', '0002_micromastery_nudge_holdout_ratio'),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
        ('practice', '0009_move_nudges_teachback_cohorts_to_their_apps'),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.CreateModel(
                    name='TeachBackSession',
                    fields=[
                        ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                        ('created_at', models.DateTimeField(auto_now_add=True, db_index=True)),
                        ('updated_at', models.DateTimeField(auto_now=True)),
                        ('status', models.CharField(choices=[('proposed', 'Proposed'), ('scheduled', 'Scheduled'), ('cancelled', 'Cancelled')], default='proposed', max_length=10)),
                        ('starts_at', models.DateTimeField(blank=True, null=True)),
                        ('duration_minutes', models.PositiveSmallIntegerField(default=30, validators=[django.core.validators.MinValueValidator(10), django.core.validators.MaxValueValidator(180)])),
                        ('location', models.CharField(blank=True, max_length=200)),
                        ('video_url', models.URLField(blank=True, max_length=2000)),
                        ('proposed_slots', models.JSONField(blank=True, default=list)),
                        ('uid', models.UUIDField(default=uuid.uuid4, editable=False, unique=True)),
                        ('sequence', models.PositiveIntegerField(default=0)),
                        ('confirmed_at', models.DateTimeField(blank=True, null=True)),
                        ('cancelled_at', models.DateTimeField(blank=True, null=True)),
                        ('enrollment', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='teachback_sessions', to='practice.enrollment')),
                        ('micromastery', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='teachback_sessions', to='courses.micromastery')),
                        ('teacher', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='teachbacks_taught', to=settings.AUTH_USER_MODEL)),
                    ],
                    options={
                        'db_table': 'practice_teachbacksession',
                        'ordering': ['-starts_at', '-created_at'],
                    },
                ),
                migrations.CreateModel(
                    name='TeachBackInvite',
                    fields=[
                        ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                        ('created_at', models.DateTimeField(auto_now_add=True, db_index=True)),
                        ('updated_at', models.DateTimeField(auto_now=True)),
                        ('rsvp', models.CharField(choices=[('pending', 'Not answered'), ('accepted', 'Accepted'), ('declined', 'Declined')], default='pending', max_length=10)),
                        ('rsvp_at', models.DateTimeField(blank=True, null=True)),
                        ('attended', models.BooleanField(blank=True, null=True)),
                        ('feedback_clarity', models.PositiveSmallIntegerField(blank=True, null=True, validators=[django.core.validators.MinValueValidator(1), django.core.validators.MaxValueValidator(5)])),
                        ('feedback_will_try', models.BooleanField(blank=True, null=True)),
                        ('feedback_comment', micromastery.common.models.BoundedTextField(blank=True, max_length=2000)),
                        ('feedback_at', models.DateTimeField(blank=True, null=True)),
                        ('invitee', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='teachback_invites', to=settings.AUTH_USER_MODEL)),
                        ('session', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='invites', to='teachback.teachbacksession')),
                    ],
                    options={
                        'db_table': 'practice_teachbackinvite',
                        'ordering': ['invitee__display_name'],
                    },
                ),
                migrations.AddConstraint(
                    model_name='teachbacksession',
                    constraint=models.UniqueConstraint(condition=models.Q(('status', 'proposed')), fields=('enrollment',), name='practice_one_open_teachback_proposal'),
                ),
                migrations.AddConstraint(
                    model_name='teachbackinvite',
                    constraint=models.UniqueConstraint(fields=('session', 'invitee'), name='practice_invite_once'),
                ),
            ],
            database_operations=[],
        ),
    ]
