"""Share links remember whether the sharer kept response bodies, and snapshots made
before hold only what a stranger may see: no `peer_address` (an allowlisted target's
internal address) and, for a run of a target probed with secret headers (or a run since
pruned, which can no longer say), no body excerpts."""

from django.db import migrations, models


def _public_only(apps, schema_editor):
    ShareLink = apps.get_model("sharing", "ShareLink")
    SecretHeader = apps.get_model("inventory", "SecretHeader")
    for link in ShareLink.objects.filter(kind="run").select_related("run").iterator():
        document = link.snapshot
        withhold = link.run is None or (
            SecretHeader.objects.filter(environment_id=link.run.environment_id).exists()
        )
        for observation in document.get("observations", []):
            observation.pop("peer_address", None)
            if withhold:
                observation["body_excerpt"] = ""
        if withhold:
            document["bodies_withheld"] = True
        link.snapshot = document
        link.save(update_fields=["snapshot"])


class Migration(migrations.Migration):
    dependencies = [
        ("inventory", "0001_initial"),
        ("monitoring", "0001_initial"),
        ("sharing", "0001_initial"),
    ]

    operations = [
        migrations.AddField(
            model_name="sharelink",
            name="include_bodies",
            field=models.BooleanField(default=False),
        ),
        migrations.RunPython(_public_only, migrations.RunPython.noop),
    ]
