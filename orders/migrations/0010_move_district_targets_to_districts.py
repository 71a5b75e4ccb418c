# DistrictTarget and DistrictEvent now live in districts (districts 0001 takes them over, same
# tables): orders forgets them, in Django's state only.

from django.db import migrations


class Migration(migrations.Migration):

    dependencies = [
        ('orders', '0009_move_open_board_to_board'),
        ('districts', '0001_initial'),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            database_operations=[],
            state_operations=[
                migrations.DeleteModel(name='DistrictEvent'),
                migrations.DeleteModel(name='DistrictTarget'),
            ],
        ),
    ]
