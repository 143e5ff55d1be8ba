from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("planning", "0004_alignment_read_model_and_indexes"),
    ]

    operations = [
        migrations.AddIndex(
            model_name="workpackage",
            index=models.Index(
                condition=models.Q(("status__in", ["ready", "in_progress"])),
                fields=["organization", "due_date"],
                name="planning_wp_overdue_idx",
            ),
        ),
        migrations.AddIndex(
            model_name="workpackage",
            index=models.Index(
                condition=models.Q(
                    ("decision", ""), ("status__in", ["ready", "in_progress", "done"])
                ),
                fields=["organization", "success_review_date"],
                name="planning_wp_check_due_idx",
            ),
        ),
    ]
