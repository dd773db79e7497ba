"""Install the default workflow so a fresh install routes sensibly before anyone edits anything."""

from django.db import migrations


def install(apps, schema_editor):
    from routing.workflow import install_default_workflow

    install_default_workflow(apps)


class Migration(migrations.Migration):
    dependencies = [
        ("routing", "0003_routing_sla_rules_approvals"),
        ("auth", "0012_alter_user_first_name_max_length"),
    ]

    operations = [migrations.RunPython(install, migrations.RunPython.noop)]
