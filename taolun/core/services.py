"""Shared write services: the audit log and notifications."""

from __future__ import annotations

import datetime as dt
import decimal
import itertools
import uuid
from collections.abc import Iterable, Mapping
from typing import TYPE_CHECKING, Any

from django.core.exceptions import ValidationError
from django.db import connections, models, router, transaction
from django.db.models import QuerySet
from django.utils import timezone
from django.utils.functional import Promise
from django.utils.translation import gettext as _

from .context import current_origin
from .models import AuditEntry, Notification

if TYPE_CHECKING:
    from taolun.accounts.models import User


def _jsonable(value: Any) -> Any:
    if value is None or isinstance(value, str | int | float | bool):
        return value
    if isinstance(value, dt.datetime | dt.date | dt.time):
        return value.isoformat()
    if isinstance(value, decimal.Decimal | uuid.UUID):
        return str(value)
    if isinstance(value, models.Model):
        return value.pk
    if isinstance(value, Mapping):
        return {str(k): _jsonable(v) for k, v in value.items()}
    if isinstance(value, Iterable):
        return [_jsonable(v) for v in value]
    return str(value)


def snapshot(obj: models.Model, fields: Iterable[str]) -> dict[str, Any]:
    """The named fields of ``obj`` as JSON-ready values (foreign keys by id)."""
    data: dict[str, Any] = {}
    for name in fields:
        field = obj._meta.get_field(name)
        if isinstance(field, models.ForeignKey):
            data[name] = getattr(obj, field.attname)
        else:
            data[name] = _jsonable(getattr(obj, name))
    return data


def changed(before: Mapping[str, Any] | None, after: Mapping[str, Any] | None) -> tuple[dict, dict]:
    """Only the keys whose values differ, so an entry shows what moved."""
    before = dict(before or {})
    after = dict(after or {})
    keys = [k for k in sorted(set(before) | set(after)) if before.get(k) != after.get(k)]
    return {k: before.get(k) for k in keys if k in before}, {k: after.get(k) for k in keys if k in after}


def _actor_label(actor: User | None) -> str:
    if actor is None:
        return "system"
    return actor.get_full_name() or actor.get_username()


def audit_record(
    *,
    actor: User | None,
    action: str,
    obj: models.Model | None = None,
    object_type: str = "",
    object_id: str = "",
    object_repr: str = "",
    before: Mapping[str, Any] | None = None,
    after: Mapping[str, Any] | None = None,
    note: str = "",
    unit_path: str = "",
) -> AuditEntry:
    """Append one audit entry. Call inside the service's transaction."""
    origin = current_origin()
    if obj is not None:
        object_type = object_type or obj._meta.label
        object_id = object_id or str(obj.pk)
        object_repr = object_repr or str(obj)[:200]
    return AuditEntry.objects.create(
        actor=actor if actor is not None and actor.pk else None,
        actor_label=_actor_label(actor)[:150],
        action=action,
        object_type=object_type,
        object_id=object_id,
        object_repr=object_repr[:200],
        unit_path=unit_path,
        before=_jsonable(before) if before is not None else None,
        after=_jsonable(after) if after is not None else None,
        note=note[:500],
        ip_address=origin.ip_address,
        user_agent=origin.user_agent[:200],
        via=origin.via,
    )


def audit_record_many(entries: Iterable[AuditEntry]) -> None:
    """Bulk-append prepared entries (imports); origin is filled in here."""
    origin = current_origin()
    batch = []
    for entry in entries:
        entry.ip_address = origin.ip_address
        entry.user_agent = origin.user_agent[:200]
        entry.via = origin.via
        batch.append(entry)
    bulk_insert(AuditEntry, batch)


def _is_plain(field: models.Field) -> bool:
    if isinstance(field, models.DateField) and (field.auto_now or field.auto_now_add):  # type: ignore[attr-defined]
        return False
    plain = (models.CharField, models.TextField, models.IntegerField, models.BooleanField, models.DateField)
    return isinstance(field, models.ForeignKey) or (
        isinstance(field, plain) and not isinstance(field, models.GenericIPAddressField)
    )


def _copy_value(obj: models.Model, attname: str | None, field: models.Field | None, connection: Any) -> Any:
    if field is not None:
        return field.get_db_prep_save(field.pre_save(obj, True), connection)
    value = obj.__dict__.get(attname)  # type: ignore[arg-type]
    return str(value) if isinstance(value, Promise) else value


def bulk_insert(model: type[models.Model], objs: list[Any], *, batch_size: int = 2000) -> None:
    """Insert many new rows; every object gets its primary key, as with ``bulk_create``.

    On PostgreSQL (psycopg 3) this uses COPY: ``bulk_create`` binds each value on the client, which
    at 100,000 rows costs tens of seconds where COPY takes a few. Keys are drawn from the table's
    sequence first. Like ``bulk_create``, it bypasses ``save()`` and signals.
    """
    if not objs:
        return
    connection = connections[router.db_for_write(model)]
    if connection.vendor != "postgresql":
        model._default_manager.bulk_create(objs, batch_size=batch_size)
        return
    from psycopg import sql

    meta = model._meta
    fields = [f for f in meta.concrete_fields if not getattr(f, "generated", False)]
    with connection.cursor() as cursor:
        raw = cursor.cursor
        if not hasattr(raw, "copy"):
            model._default_manager.bulk_create(objs, batch_size=batch_size)
            return
        missing = [obj for obj in objs if obj.pk is None]
        if missing:
            cursor.execute(
                "SELECT nextval(pg_get_serial_sequence(%s, %s)) FROM generate_series(1, %s)",
                [meta.db_table, meta.pk.column, len(missing)],
            )
            for obj, (pk,) in zip(missing, cursor.fetchall(), strict=True):
                obj.pk = pk
        columns_sql = sql.SQL(", ").join([sql.Identifier(str(f.column)) for f in fields])
        statement = sql.SQL("COPY {} ({}) FROM STDIN").format(sql.Identifier(meta.db_table), columns_sql)
        # Plain columns are read straight from the object (psycopg adapts the Python value); the
        # others (JSON, auto_now dates, ...) go through the field's own preparation.
        plain = [_is_plain(f) for f in fields]
        columns = [(f.attname, None) if p else (None, f) for f, p in zip(fields, plain, strict=True)]
        with raw.copy(statement) as copy:
            for obj in objs:
                copy.write_row([_copy_value(obj, attname, field, connection) for attname, field in columns])
    for obj in objs:
        obj._state.adding = False
        obj._state.db = connection.alias


NOTIFY_BATCH = 2000


def notify(
    *,
    recipients: QuerySet[User] | Iterable[User],
    title: str,
    body: str = "",
    url: str = "",
    kind: str = "info",
    email: bool = False,
    dedupe_key: str = "",
) -> int:
    """Send an in-app notice to each active recipient, and e-mail copies after commit if asked.

    ``recipients`` may be a queryset of any size: recipients are read and written in batches, and
    each batch of e-mail goes out as its own task. With a ``dedupe_key`` a recipient who already has
    that notice gets nothing new, so periodic jobs can call this repeatedly. Returns how many
    notices were created.
    """
    from django.contrib.auth import get_user_model

    user_model = get_user_model()
    if isinstance(recipients, QuerySet):
        users = recipients
    else:
        users = user_model.objects.filter(pk__in=[u.pk for u in recipients])
    users = users.filter(is_active=True)
    if dedupe_key:
        users = users.exclude(pk__in=Notification.objects.filter(dedupe_key=dedupe_key).values("recipient_id"))
    now = timezone.now()
    created = 0
    rows = users.order_by("pk").values_list("pk", "email").iterator(chunk_size=NOTIFY_BATCH)
    while batch := list(itertools.islice(rows, NOTIFY_BATCH)):
        notices = Notification.objects.bulk_create(
            [
                Notification(
                    recipient_id=pk, kind=kind, title=title, body=body, url=url, created_at=now, dedupe_key=dedupe_key
                )
                for pk, _email in batch
            ],
            ignore_conflicts=bool(dedupe_key),
        )
        created += len(notices)
        if email:
            with_email = [pk for pk, address in batch if address]
            if dedupe_key:
                ids = list(
                    Notification.objects.filter(
                        recipient_id__in=with_email, dedupe_key=dedupe_key, emailed_at__isnull=True
                    ).values_list("pk", flat=True)
                )
            else:
                mailable = set(with_email)
                ids = [n.pk for n in notices if n.recipient_id in mailable]
            if ids:
                _enqueue_emails(ids)
    return created


def _enqueue_emails(notification_ids: list[int]) -> None:
    from .tasks import send_notification_emails

    transaction.on_commit(lambda: send_notification_emails.delay(notification_ids=notification_ids))


def notification_emails_send(*, notification_ids: list[int]) -> int:
    """E-mail the given notices that have not been e-mailed yet; each is claimed before it is sent.

    Running it twice (a retried task) sends nothing twice: the claim marks ``emailed_at`` in the
    same transaction that selects the unsent notices, skipping rows another worker holds.
    """
    from django.conf import settings
    from django.core.mail import send_mass_mail

    with transaction.atomic():
        claimed = list(
            Notification.objects.select_for_update(skip_locked=True, of=("self",))
            .filter(pk__in=notification_ids, emailed_at__isnull=True)
            .exclude(recipient__email="")
            .select_related("recipient")
        )
        if not claimed:
            return 0
        Notification.objects.filter(pk__in=[n.pk for n in claimed]).update(emailed_at=timezone.now())
    messages = [
        (
            n.title,
            f"{n.body}\n\n{settings.SITE_URL}{n.url}" if n.url else n.body,
            settings.DEFAULT_FROM_EMAIL,
            [n.recipient.email],
        )
        for n in claimed
    ]
    return send_mass_mail(messages, fail_silently=False)


def notification_mark_read(*, user: User, ids: Iterable[int] | None = None) -> int:
    qs = Notification.objects.filter(recipient=user, read_at__isnull=True)
    if ids is not None:
        qs = qs.filter(pk__in=list(ids))
    return qs.update(read_at=timezone.now())


def actor(by: User | None) -> User | None:
    """The user to store as the one who did it (None for the system)."""
    return by if by is not None and by.pk else None


def clean_text(value: Any, field: str, *, label: Any, limit: int, required: bool = False) -> str:
    """``value`` stripped, or a ValidationError on ``field`` naming ``label`` when missing or longer than ``limit``."""
    text = (value or "").strip()
    if required and not text:
        raise ValidationError({field: _("请填写%(label)s。") % {"label": label}})
    if len(text) > limit:
        raise ValidationError({field: _("%(label)s最多 %(limit)s 字。") % {"label": label, "limit": limit}})
    return text


def required_reason(reason: str, message: Any, field: str = "reason", limit: int = 500) -> str:
    """A reason the user must give (``message`` says which), trimmed to what the record keeps."""
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError({field: message})
    return reason[:limit]
