"""Writes for units and people. Every change is audited; subtree moves rewrite paths in one UPDATE."""

from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING, Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.db.models import F, Value
from django.db.models.functions import Concat, Substr
from django.utils.translation import gettext as _

from taolun.core.permissions import require_perm
from taolun.core.services import audit_record, changed, snapshot

from .models import Person, Tag, Unit, UnitKind
from .validators import clean_code, clean_id_number, clean_phone

if TYPE_CHECKING:
    from taolun.accounts.models import User

UNIT_FIELDS = ["name", "short_name", "code", "kind", "parent", "sort_order", "is_active"]
PERSON_FIELDS = [
    "name",
    "code",
    "unit",
    "position",
    "is_leading_cadre",
    "is_party_member",
    "is_cadre",
    "phone",
    "id_number",
    "training_batch",
    "user",
    "is_active",
]


def tags_get_or_create(names: Iterable[str]) -> list[Tag]:
    wanted = sorted({n.strip() for n in names if n and n.strip()})
    if not wanted:
        return []
    existing = {t.name: t for t in Tag.objects.filter(name__in=wanted)}
    missing = [Tag(name=n) for n in wanted if n not in existing]
    if missing:
        Tag.objects.bulk_create(missing, ignore_conflicts=True)
        existing = {t.name: t for t in Tag.objects.filter(name__in=wanted)}
    return [existing[n] for n in wanted]


def path_for(parent: Unit | None, pk: int) -> str:
    return f"{parent.path if parent else ''}{pk}/"


def _clean_unit_code(code: str) -> str:
    try:
        return clean_code(code, label=_("单位代码"))
    except ValidationError as exc:
        raise ValidationError({"code": exc.messages}) from exc


def unit_create(
    *,
    name: str,
    code: str,
    kind: str = UnitKind.UNIT,
    parent: Unit | None = None,
    short_name: str = "",
    tags: Iterable[str] = (),
    sort_order: int = 0,
    by: User | None,
) -> Unit:
    if by is not None:
        if parent is None:
            from taolun.accounts.selectors import covers

            if not covers(by, ["admin", "office"], ""):
                raise PermissionDenied(_("只有全局办公室或系统管理员可以创建顶级单位。"))
        else:
            require_perm(by, "orgs.add_unit", parent)
    name = name.strip()
    if not name:
        raise ValidationError({"name": _("请填写单位名称。")})
    code = _clean_unit_code(code)
    if kind not in UnitKind.values:
        raise ValidationError({"kind": _("未知的单位类型：%(kind)s") % {"kind": kind}})
    if Unit.objects.filter(code=code).exists():
        raise ValidationError({"code": _("单位代码“%(code)s”已存在。") % {"code": code}})
    with transaction.atomic():
        unit = Unit.objects.create(
            name=name,
            short_name=short_name,
            code=code,
            kind=kind,
            parent=parent,
            sort_order=sort_order,
            depth=(parent.depth + 1) if parent else 0,
        )
        unit.path = path_for(parent, unit.pk)
        unit.save(update_fields=["path"])
        tag_objs = tags_get_or_create(tags)
        if tag_objs:
            unit.tags.set(tag_objs)
        audit_record(
            actor=by,
            action="orgs.unit.create",
            obj=unit,
            after={**snapshot(unit, UNIT_FIELDS), "tags": [t.name for t in tag_objs]},
            unit_path=unit.path,
        )
    return unit


def _move_subtree(unit: Unit, new_parent: Unit | None) -> None:
    if new_parent is not None and new_parent.path.startswith(unit.path):
        raise ValidationError({"parent": _("不能把单位移到它自己或它的下级单位之下。")})
    old_path = unit.path
    new_path = path_for(new_parent, unit.pk)
    depth_delta = ((new_parent.depth + 1) if new_parent else 0) - unit.depth
    Unit.objects.filter(path__startswith=old_path).update(
        path=Concat(Value(new_path), Substr("path", len(old_path) + 1)),
        depth=F("depth") + depth_delta,
    )
    unit.path = new_path
    unit.depth += depth_delta


def unit_update(*, unit: Unit, by: User | None, tags: Iterable[str] | None = None, **fields: Any) -> Unit:
    """Change a unit's fields; a new ``parent`` moves the whole subtree."""
    require_perm(by, "orgs.change_unit", unit)
    unknown = set(fields) - set(UNIT_FIELDS)
    if unknown:
        raise ValueError(f"unknown unit fields: {sorted(unknown)}")
    if "code" in fields:
        fields["code"] = _clean_unit_code(fields["code"])
        if Unit.objects.filter(code=fields["code"]).exclude(pk=unit.pk).exists():
            raise ValidationError({"code": _("单位代码“%(code)s”已存在。") % {"code": fields["code"]}})
    with transaction.atomic():
        unit = Unit.objects.select_for_update().get(pk=unit.pk)
        before = {**snapshot(unit, UNIT_FIELDS), "tags": sorted(unit.tags.values_list("name", flat=True))}
        new_parent = fields.pop("parent", unit.parent) if "parent" in fields else unit.parent
        if new_parent != unit.parent:
            if by is not None and new_parent is not None:
                require_perm(by, "orgs.add_unit", new_parent)
            if by is not None and new_parent is None:
                from taolun.accounts.selectors import covers

                if not covers(by, ["admin", "office"], ""):
                    raise PermissionDenied(_("只有全局办公室或系统管理员可以把单位设为顶级单位。"))
            _move_subtree(unit, new_parent)
            unit.parent = new_parent
        for key, value in fields.items():
            setattr(unit, key, value)
        unit.save()
        if tags is not None:
            unit.tags.set(tags_get_or_create(tags))
        after = {**snapshot(unit, UNIT_FIELDS), "tags": sorted(unit.tags.values_list("name", flat=True))}
        b, a = changed(before, after)
        if a or b:
            audit_record(actor=by, action="orgs.unit.update", obj=unit, before=b, after=a, unit_path=unit.path)
    return unit


def _clean_person_fields(fields: dict[str, Any]) -> dict[str, Any]:
    errors: dict[str, Any] = {}
    if "name" in fields:
        fields["name"] = (fields["name"] or "").strip()
        if not fields["name"]:
            errors["name"] = _("请填写姓名。")
    if "code" in fields:
        raw = (fields["code"] or "").strip()
        try:
            fields["code"] = clean_code(raw, label=_("人员编号")) if raw else None
        except ValidationError as exc:
            errors["code"] = exc.messages
    if "phone" in fields:
        try:
            fields["phone"] = clean_phone(fields["phone"])
        except ValidationError as exc:
            errors["phone"] = exc.messages
    if "id_number" in fields:
        try:
            fields["id_number"] = clean_id_number(fields["id_number"])
        except ValidationError as exc:
            errors["id_number"] = exc.messages
    if errors:
        raise ValidationError(errors)
    return fields


def person_create(*, unit: Unit, name: str, by: User | None, **fields: Any) -> Person:
    require_perm(by, "orgs.change_person", unit)
    unknown = set(fields) - set(PERSON_FIELDS)
    if unknown:
        raise ValueError(f"unknown person fields: {sorted(unknown)}")
    fields = _clean_person_fields({"name": name, **fields})
    try:
        with transaction.atomic():
            person = Person.objects.create(unit=unit, **fields)
            audit_record(
                actor=by,
                action="orgs.person.create",
                obj=person,
                after=_masked(snapshot(person, PERSON_FIELDS)),
                unit_path=unit.path,
            )
    except IntegrityError as exc:
        raise ValidationError(_("人员编号或身份证号与已有人员重复。")) from exc
    return person


def _masked(data: dict[str, Any]) -> dict[str, Any]:
    """Audit entries never hold personal numbers in clear."""
    from .masking import mask_id_number, mask_phone

    if data.get("phone"):
        data["phone"] = mask_phone(data["phone"])
    if data.get("id_number"):
        data["id_number"] = mask_id_number(data["id_number"])
    return data


def person_update(*, person: Person, by: User | None, **fields: Any) -> Person:
    require_perm(by, "orgs.change_person", person)
    unknown = set(fields) - set(PERSON_FIELDS)
    if unknown:
        raise ValueError(f"unknown person fields: {sorted(unknown)}")
    if "unit" in fields and fields["unit"] != person.unit:
        require_perm(by, "orgs.change_person", fields["unit"])
    fields = _clean_person_fields(fields)
    try:
        with transaction.atomic():
            before = snapshot(person, PERSON_FIELDS)
            for key, value in fields.items():
                setattr(person, key, value)
            person.save()
            b, a = changed(before, snapshot(person, PERSON_FIELDS))
            if a or b:
                audit_record(
                    actor=by,
                    action="orgs.person.update",
                    obj=person,
                    before=_masked(b),
                    after=_masked(a),
                    unit_path=person.unit.path,
                )
    except IntegrityError as exc:
        raise ValidationError(_("人员编号或身份证号与已有人员重复。")) from exc
    return person


PASSWORD_ALPHABET = "abcdefghjkmnpqrstuvwxyzABCDEFGHJKLMNPQRSTUVWXYZ23456789"  # noqa: S105 (characters, not a secret)


def password_generate(length: int = 12) -> str:
    """A random initial password without look-alike characters (0/O, 1/l/I), easy to read out."""
    import secrets

    while True:
        value = "".join(secrets.choice(PASSWORD_ALPHABET) for _i in range(length))
        if any(c.isdigit() for c in value) and any(c.isalpha() for c in value):
            return value


def person_account_create(*, person: Person, username: str, by: User) -> tuple[User, str]:
    """Give ``person`` a login account with the cadre role; returns the user and the initial password.

    The password is returned once and never stored in clear. Creating the account, linking it and
    assigning the role happen together or not at all.
    """
    from taolun.accounts.models import Role
    from taolun.accounts.services import role_assign, user_create

    require_perm(by, "orgs.change_person", person)
    password = password_generate()
    with transaction.atomic():
        # A locked fresh copy: two clicks cannot give one person two accounts, and a failure
        # part-way leaves the caller's object untouched.
        target = Person.objects.select_for_update(of=("self",)).select_related("unit").get(pk=person.pk)
        if target.user_id is not None:
            raise ValidationError({"username": _("%(name)s 已有登录账号。") % {"name": target.name}})
        user = user_create(username=username, password=password, display_name=target.name, phone=target.phone, by=by)
        person_update(person=target, user=user, by=by)
        role_assign(user=user, role=Role.CADRE, unit=target.unit, by=by)
    person.user = user
    return user, password
