import pytest
from django.db import connection, transaction
from django.db.utils import DatabaseError, InternalError

from taolun.core.context import Origin, origin
from taolun.core.models import AuditEntry, AuditLogIsAppendOnly
from taolun.core.services import audit_record


@pytest.mark.django_db
def test_audit_entry_records_actor_change_and_origin(org):
    with origin(Origin(ip_address="10.1.2.3", user_agent="pytest", via="web")):
        entry = audit_record(
            actor=org.user("office"),
            action="orgs.unit.update",
            obj=org.street_a,
            before={"name": "旧"},
            after={"name": "新"},
            unit_path=org.street_a.path,
        )
    entry.refresh_from_db()
    assert entry.actor_label == "office"
    assert entry.object_type == "orgs.Unit"
    assert entry.object_id == str(org.street_a.pk)
    assert (entry.before, entry.after) == ({"name": "旧"}, {"name": "新"})
    assert (entry.ip_address, entry.via) == ("10.1.2.3", "web")


@pytest.mark.django_db
def test_audit_entries_cannot_be_changed_or_deleted_through_the_orm(org):
    entry = AuditEntry.objects.filter(action="orgs.unit.create").first()
    assert entry is not None
    entry.note = "tampered"
    with pytest.raises(AuditLogIsAppendOnly):
        entry.save()
    with pytest.raises(AuditLogIsAppendOnly):
        entry.delete()
    with pytest.raises(AuditLogIsAppendOnly):
        AuditEntry.objects.filter(pk=entry.pk).update(note="x")
    with pytest.raises(AuditLogIsAppendOnly):
        AuditEntry.objects.all().delete()


@pytest.mark.django_db
def test_postgresql_refuses_raw_updates_of_the_audit_log(org):
    from conftest import require_postgres

    require_postgres()
    entry = AuditEntry.objects.first()
    with pytest.raises((DatabaseError, InternalError)), transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("UPDATE core_auditentry SET note = 'x' WHERE id = %s", [entry.pk])
