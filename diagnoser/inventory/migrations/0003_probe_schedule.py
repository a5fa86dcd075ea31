from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [("inventory", "0002_probe_policy_safe_by_default")]

    operations = [
        migrations.AddField(
            model_name="service",
            name="probe_every",
            field=models.PositiveIntegerField(default=900),
        ),
        migrations.AddField(
            model_name="service",
            name="probing_paused",
            field=models.BooleanField(default=False),
        ),
        migrations.AddField(
            model_name="environment",
            name="probe_every",
            field=models.PositiveIntegerField(blank=True, null=True),
        ),
        migrations.AddField(
            model_name="environment",
            name="probing_paused",
            field=models.BooleanField(default=False),
        ),
    ]
