# Look-alike handles (issue 11): each member's handle skeleton, computed by the database from the
# handle (a generated column: existing rows get theirs as the column is added), unique.

import django.db.models.functions.text
from django.db import migrations, models
from django.db.models import Count


def refuse_existing_look_alikes(apps, schema_editor):
    """Stop, naming them, if members already hold look-alike handles: the unique constraint could
    not be added. Rename one of each group (in the admin), then migrate again."""
    Member = apps.get_model("accounts", "Member")
    clashing = (
        Member.objects.values("handle_skeleton").annotate(count=Count("id")).filter(count__gt=1).values("handle_skeleton")
    )
    groups = {}
    for skeleton, handle in Member.objects.filter(handle_skeleton__in=clashing).values_list("handle_skeleton", "handle"):
        groups.setdefault(skeleton, []).append(handle)
    if groups:
        listed = "; ".join(", ".join(sorted(handles)) for handles in groups.values())
        raise RuntimeError(f"These members' handles look alike: {listed}. Rename one of each, then migrate again.")


class Migration(migrations.Migration):

    dependencies = [
        ("accounts", "0002_member_profile_hidden"),
    ]

    operations = [
        migrations.AddField(
            model_name="member",
            name="handle_skeleton",
            field=models.GeneratedField(
                db_persist=True,
                expression=django.db.models.functions.text.Replace(
                    django.db.models.functions.text.Replace(
                        django.db.models.functions.text.Replace(
                            django.db.models.functions.text.Replace(
                                django.db.models.functions.text.Replace(
                                    django.db.models.functions.text.Replace(
                                        django.db.models.functions.text.Lower("handle"),
                                        models.Value("0"),
                                        models.Value("o"),
                                    ),
                                    models.Value("1"),
                                    models.Value("l"),
                                ),
                                models.Value("i"),
                                models.Value("l"),
                            ),
                            models.Value("m"),
                            models.Value("rn"),
                        ),
                        models.Value("d"),
                        models.Value("cl"),
                    ),
                    models.Value("w"),
                    models.Value("vv"),
                ),
                output_field=models.CharField(max_length=60),
                verbose_name="handle's skeleton",
            ),
        ),
        migrations.RunPython(refuse_existing_look_alikes, migrations.RunPython.noop, elidable=True),
        migrations.AddConstraint(
            model_name="member",
            constraint=models.UniqueConstraint(fields=("handle_skeleton",), name="member_handle_skeleton_unique"),
        ),
    ]
