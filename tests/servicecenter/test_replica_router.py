"""Reads inside `reading_from_replica()` go to the replica alias, writes never do, and nothing
changes without a replica (issue #15). Two real database aliases: the test database and a second
one standing in for the replica, holding different rows so the test can tell them apart."""

import pytest
from django.db import connections

from residents.models import Estate
from servicecenter.replica import REPLICA, ReplicaRouter, reading_from_replica, replica_reads


@pytest.fixture
def replica(settings):
    settings.READ_REPLICA = REPLICA
    # The table only (no schema editor context: SQLite refuses one inside the test transaction).
    sql, params = connections[REPLICA].schema_editor(collect_sql=True).table_sql(Estate)
    with connections[REPLICA].cursor() as cursor:
        cursor.execute(sql, params)
    # A row only the replica has (replication lag in reverse, to tell the aliases apart).
    # bulk_create: no post_save, whose handlers would seed the estate's defaults on the primary.
    Estate.objects.using(REPLICA).bulk_create([Estate(code="R", name="只在副本")])


@pytest.mark.django_db(databases=["default", REPLICA])
def test_reads_in_the_block_go_to_the_replica_and_writes_to_the_primary(replica):
    Estate.objects.create(code="P", name="只在主库")
    assert not Estate.objects.filter(code="R").exists()
    with reading_from_replica():
        assert Estate.objects.filter(code="R").exists()
        assert not Estate.objects.filter(code="P").exists()
        # A write inside the block still goes to the primary (an update: no signal reads back).
        Estate.objects.filter(code__in=["P", "R"]).update(name="块内写入")
    assert Estate.objects.get(code="P").name == "块内写入"
    assert Estate.objects.using(REPLICA).get(code="R").name == "只在副本"


@pytest.mark.django_db(databases=["default", REPLICA])
def test_the_view_decorator_reads_from_the_replica_only_during_the_view(replica):
    @replica_reads
    def view():
        return list(Estate.objects.values_list("code", flat=True))

    assert view() == ["R"]
    assert not Estate.objects.filter(code="R").exists()


@pytest.mark.django_db
def test_without_a_replica_the_block_reads_the_primary(settings):
    settings.READ_REPLICA = None
    Estate.objects.create(code="P", name="只在主库")
    with reading_from_replica():
        assert Estate.objects.filter(code="P").exists()


def test_the_router_never_migrates_or_writes_the_replica(settings):
    settings.READ_REPLICA = REPLICA
    router = ReplicaRouter()
    assert router.db_for_write(Estate) == "default"
    assert router.allow_migrate(REPLICA, "residents") is False
    assert router.allow_migrate("default", "residents") is True
