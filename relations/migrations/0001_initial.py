from django.db import migrations


class Migration(migrations.Migration):
    """The app's anchor: each area's migration depends on this one (and they are chained when
    merged), so the areas can be built in parallel."""

    initial = True
    dependencies: list = []
    operations: list = []
