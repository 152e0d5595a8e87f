from django.contrib.auth.management import create_permissions
from django.db import migrations

MODELS = ["claim", "evidence", "source", "speaker", "statement", "topic", "verdictchange"]

# Editors write and link everything; Reviewers also delete, publish, retract and set verdicts.
EDITOR_CODENAMES = [f"{action}_{model}" for model in MODELS for action in ("add", "change", "view")]
EDITOR_CODENAMES += ["delete_evidence"]
EDITOR_CODENAMES = [c for c in EDITOR_CODENAMES if c not in ("add_verdictchange", "change_verdictchange")]
REVIEWER_CODENAMES = EDITOR_CODENAMES + [
    "publish_claim",
    "delete_claim",
    "delete_source",
    "delete_speaker",
    "delete_statement",
    "delete_topic",
]
GROUPS = {"Editors": EDITOR_CODENAMES, "Reviewers": REVIEWER_CODENAMES}


def forward(apps, schema_editor):
    # Permissions are normally made after migrate; the groups need them now.
    for app_config in apps.get_app_configs():
        app_config.models_module = True
        create_permissions(app_config, apps=apps, verbosity=0)
        app_config.models_module = None
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    for name, codenames in GROUPS.items():
        group, _ = Group.objects.get_or_create(name=name)
        perms = Permission.objects.filter(content_type__app_label="claims", codename__in=codenames)
        missing = set(codenames) - set(perms.values_list("codename", flat=True))
        if missing:
            raise RuntimeError(f"Missing permissions for group {name}: {sorted(missing)}")
        group.permissions.add(*perms)


def reverse(apps, schema_editor):
    apps.get_model("auth", "Group").objects.filter(name__in=GROUPS).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("claims", "0001_initial"),
        ("auth", "0012_alter_user_first_name_max_length"),
        ("contenttypes", "0002_remove_content_type_name"),
    ]

    operations = [migrations.RunPython(forward, reverse_code=reverse)]
