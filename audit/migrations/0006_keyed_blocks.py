"""Blocks carry the id of the key that sealed them and their HMAC (audit/keys.py).

Existing blocks get neither: they cannot be updated (append-only) and a MAC made now would vouch
only for what they hold now. They verify by their hashes as "unkeyed legacy" blocks, and by the
first keyed block after them (docs/audit.md). Adding the columns is DDL with a constant default:
no row is rewritten, so the append-only triggers are not involved.
"""

from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("audit", "0005_seal_block_without_database_key"),
    ]

    operations = [
        migrations.AddField(
            model_name="auditblock",
            name="key_id",
            field=models.CharField(blank=True, default="", max_length=32),
        ),
        migrations.AddField(
            model_name="auditblock",
            name="mac",
            field=models.CharField(blank=True, default="", max_length=64),
        ),
    ]
