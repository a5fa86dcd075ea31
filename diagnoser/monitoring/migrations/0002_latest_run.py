"""LatestRun: each target's newest finished run, filled from the history."""

import django.db.models.deletion
from django.db import migrations, models
from django.db.models import F, OuterRef, Subquery

from diagnoser.monitoring.serialize import verdicts_to_text

_RANK = {"error": 0, "warning": 1, "info": 2}


def point_at_newest_runs(apps, schema_editor):
    endpoint_model = apps.get_model("inventory", "Endpoint")
    run_model = apps.get_model("monitoring", "ProbeRun")
    finding_model = apps.get_model("monitoring", "StoredFinding")
    latest_model = apps.get_model("monitoring", "LatestRun")
    newest = (
        run_model.objects.filter(
            endpoint_id=OuterRef("id"),
            environment_id=OuterRef("environment_id"),
            state="done",
        )
        .order_by("-finished_at", "-id")
        .values("id")[:1]
    )
    run_ids = (
        endpoint_model.objects.annotate(environment_id=F("service__environments__id"))
        .annotate(run_id=Subquery(newest))
        .filter(run_id__isnull=False)
        .values("run_id")
    )
    runs = list(
        run_model.objects.filter(id__in=run_ids).values_list(
            "id", "endpoint_id", "environment_id", "finished_at", "observation_id"
        )
    )
    observations = [observation for *_, observation in runs]
    worst: dict[int, tuple[str, str, str]] = {}
    for observation, severity, rule, title in finding_model.objects.filter(
        observation_id__in=observations
    ).values_list("observation_id", "severity", "rule", "title"):
        if observation not in worst or _RANK[severity] < _RANK[worst[observation][0]]:
            worst[observation] = (severity, rule, title)
    matrices = dict(
        apps.get_model("monitoring", "StoredObservation")
        .objects.filter(id__in=observations)
        .values_list("id", "matrix")
    )
    rows = []
    for run, endpoint, environment, finished_at, observation in runs:
        severity, rule, title = worst.get(observation, ("", "", ""))
        rows.append(
            latest_model(
                run_id=run,
                endpoint_id=endpoint,
                environment_id=environment,
                finished_at=finished_at,
                observation_id=observation,
                verdicts=verdicts_to_text(matrices[observation]),
                worst_severity=severity,
                worst_rule=rule,
                worst_title=title,
            )
        )
    latest_model.objects.bulk_create(rows, batch_size=1000)


class Migration(migrations.Migration):
    dependencies = [
        ("inventory", "0001_initial"),
        ("monitoring", "0001_initial"),
    ]

    operations = [
        migrations.CreateModel(
            name="LatestRun",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                (
                    "endpoint",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="latest_runs",
                        to="inventory.endpoint",
                    ),
                ),
                (
                    "environment",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="+",
                        to="inventory.environment",
                    ),
                ),
                (
                    "run",
                    models.OneToOneField(
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="+",
                        to="monitoring.proberun",
                    ),
                ),
                ("finished_at", models.DateTimeField()),
                (
                    "observation",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="+",
                        to="monitoring.storedobservation",
                    ),
                ),
                ("verdicts", models.CharField(max_length=300)),
                ("worst_severity", models.CharField(blank=True, max_length=10)),
                ("worst_rule", models.CharField(blank=True, max_length=64)),
                ("worst_title", models.CharField(blank=True, max_length=500)),
            ],
            options={
                "constraints": [
                    models.UniqueConstraint(
                        fields=("endpoint", "environment"), name="latest_run_target"
                    )
                ],
            },
        ),
        migrations.RunPython(point_at_newest_runs, migrations.RunPython.noop),
    ]
