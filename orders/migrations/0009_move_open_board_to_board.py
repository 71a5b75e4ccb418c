"""The open board's models now live in board (board 0001 takes them over, same tables): orders
forgets them, in Django's state only."""

from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [
        ("orders", "0008_move_idempotencykey_to_core"),
        ("board", "0001_initial"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            database_operations=[],
            state_operations=[
                migrations.RemoveField(model_name="posting", name="awarded_offer"),
                migrations.DeleteModel(name="PostingInvite"),
                migrations.DeleteModel(name="Offer"),
                migrations.DeleteModel(name="Posting"),
            ],
        ),
    ]
