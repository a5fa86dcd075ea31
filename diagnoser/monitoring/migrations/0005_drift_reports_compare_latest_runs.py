from django.db import migrations, models


def link_runs_to_their_reports(apps, schema_editor):
    """A report's runs were the runs pointing at it: keep what old reports compared."""
    ProbeRun = apps.get_model("monitoring", "ProbeRun")
    Through = apps.get_model("monitoring", "DriftReport").runs.through
    rows = ProbeRun.objects.filter(drift_report__isnull=False).values_list("id", "drift_report_id")
    Through.objects.bulk_create(
        (
            Through(proberun_id=run_id, driftreport_id=report_id)
            for run_id, report_id in rows.iterator()
        ),
        batch_size=2000,
    )


class Migration(migrations.Migration):
    dependencies = [
        ("monitoring", "0004_alert_channels"),
    ]

    operations = [
        migrations.RemoveIndex(
            model_name="proberun",
            name="run_report_pending",
        ),
        # The reverse name "runs" moves to the new field: free it first.
        migrations.AlterField(
            model_name="proberun",
            name="drift_report",
            field=models.ForeignKey(
                blank=True,
                null=True,
                on_delete=models.deletion.CASCADE,
                related_name="+",
                to="monitoring.driftreport",
            ),
        ),
        migrations.AddField(
            model_name="driftreport",
            name="runs",
            field=models.ManyToManyField(
                blank=True, related_name="drift_reports", to="monitoring.proberun"
            ),
        ),
        migrations.RunPython(link_runs_to_their_reports, migrations.RunPython.noop),
        migrations.RemoveField(
            model_name="proberun",
            name="drift_report",
        ),
    ]
