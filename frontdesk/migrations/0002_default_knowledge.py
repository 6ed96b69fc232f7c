from django.db import migrations


def seed(apps, schema_editor):
    from frontdesk.knowledge_defaults import ensure_default_knowledge

    ensure_default_knowledge(entry_model=apps.get_model("frontdesk", "KnowledgeEntry"))


class Migration(migrations.Migration):
    dependencies = [("frontdesk", "0001_keys_invoices_knowledge")]

    operations = [migrations.RunPython(seed, migrations.RunPython.noop)]
