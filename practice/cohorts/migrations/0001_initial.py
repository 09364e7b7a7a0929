"""The cohorts, memberships and what assigning did, taken over from the practice app.

State only: the tables and their rows stay where they are.
"""

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models


class Migration(migrations.Migration):

    initial = True

    dependencies = [
        ('accounts', '0002_people_import'),
        ('courses', '0002_micromastery_nudge_holdout_ratio'),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
        ('practice', '0009_move_nudges_teachback_cohorts_to_their_apps'),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.CreateModel(
                    name='Cohort',
                    fields=[
                        ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                        ('created_at', models.DateTimeField(auto_now_add=True, db_index=True)),
                        ('updated_at', models.DateTimeField(auto_now=True)),
                        ('name', models.CharField(max_length=150)),
                        ('starts_on', models.DateField(verbose_name='start date')),
                        ('due_on', models.DateField(blank=True, null=True, verbose_name='due date')),
                        ('kickoff_at', models.DateTimeField(blank=True, null=True, verbose_name='kickoff')),
                        ('kickoff_minutes', models.PositiveSmallIntegerField(default=60, verbose_name='kickoff length (minutes)')),
                        ('kickoff_location', models.CharField(blank=True, max_length=200, verbose_name='kickoff place')),
                        ('kickoff_url', models.URLField(blank=True, max_length=2000, verbose_name='kickoff video link')),
                        ('kickoff_sequence', models.PositiveIntegerField(default=0)),
                        ('assigned_by', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='+', to=settings.AUTH_USER_MODEL)),
                        ('course', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.PROTECT, related_name='cohorts', to='courses.course')),
                        ('created_by', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='+', to=settings.AUTH_USER_MODEL)),
                        ('facilitator', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='facilitated_cohorts', to=settings.AUTH_USER_MODEL)),
                        ('micromastery', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.PROTECT, related_name='cohorts', to='courses.micromastery')),
                        ('organization', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='cohorts', to='accounts.organization')),
                        ('people', models.ManyToManyField(blank=True, related_name='picked_cohorts', to=settings.AUTH_USER_MODEL, verbose_name='hand-picked people')),
                        ('teams', models.ManyToManyField(blank=True, related_name='cohorts', to='accounts.team')),
                    ],
                    options={
                        'db_table': 'practice_cohort',
                        'ordering': ['-starts_on', 'name'],
                    },
                ),
                migrations.CreateModel(
                    name='CohortMembership',
                    fields=[
                        ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                        ('created_at', models.DateTimeField(auto_now_add=True, db_index=True)),
                        ('updated_at', models.DateTimeField(auto_now=True)),
                        ('added_at', models.DateTimeField()),
                        ('removed_at', models.DateTimeField(blank=True, null=True)),
                        ('notified_at', models.DateTimeField(blank=True, null=True)),
                        ('cohort', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='memberships', to='cohorts.cohort')),
                        ('learner', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='cohort_memberships', to=settings.AUTH_USER_MODEL)),
                        ('removed_by', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='+', to=settings.AUTH_USER_MODEL)),
                    ],
                    options={
                        'db_table': 'practice_cohortmembership',
                        'ordering': ['cohort', 'learner__display_name'],
                    },
                ),
                migrations.CreateModel(
                    name='CohortEnrollment',
                    fields=[
                        ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                        ('already_enrolled', models.BooleanField(default=False)),
                        ('created_at', models.DateTimeField(auto_now_add=True)),
                        ('enrollment', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='cohort_enrollments', to='practice.enrollment')),
                        ('membership', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='cohort_enrollments', to='cohorts.cohortmembership')),
                    ],
                    options={
                        'db_table': 'practice_cohortenrollment',
                        'ordering': ['pk'],
                    },
                ),
                migrations.AddConstraint(
                    model_name='cohort',
                    constraint=models.UniqueConstraint(fields=('organization', 'name'), name='practice_cohort_name_unique_in_org', violation_error_message='This organization already has a cohort with this name.'),
                ),
                migrations.AddConstraint(
                    model_name='cohort',
                    constraint=models.CheckConstraint(condition=models.Q(models.Q(('course__isnull', True), ('micromastery__isnull', False)), models.Q(('course__isnull', False), ('micromastery__isnull', True)), _connector='OR'), name='practice_cohort_micromastery_or_course', violation_error_message='Assign either a micromastery or a course.'),
                ),
                migrations.AddConstraint(
                    model_name='cohort',
                    constraint=models.CheckConstraint(condition=models.Q(('due_on__isnull', True), ('due_on__gte', models.F('starts_on')), _connector='OR'), name='practice_cohort_due_after_start', violation_error_message='The due date cannot be before the start date.'),
                ),
                migrations.AddConstraint(
                    model_name='cohortmembership',
                    constraint=models.UniqueConstraint(fields=('cohort', 'learner'), name='practice_cohort_membership_unique'),
                ),
                migrations.AddConstraint(
                    model_name='cohortenrollment',
                    constraint=models.UniqueConstraint(fields=('membership', 'enrollment'), name='practice_cohort_enrollment_unique'),
                ),
            ],
            database_operations=[],
        ),
    ]
