"""Writes for plans and campaigns: load a plan, create a campaign from it, move its status.

Each write is one transaction with an audit entry. ``by=None`` means the system (command line, demo);
with a user, the named permission rules are checked first.
"""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING, Any

from django.core.exceptions import ValidationError
from django.core.validators import validate_slug
from django.db import IntegrityError, transaction
from django.utils import translation
from django.utils.translation import gettext as _

from taolun.core.permissions import require_perm
from taolun.core.services import audit_record
from taolun.core.text import join_list
from taolun.orgs.models import Unit

from .dates import date_mapper
from .describe import ACTIVITY_KINDS
from .models import ActivityKind, Campaign, CampaignStatus, Dimension, Plan, Requirement, Shortcoming, Stage, Theme
from .plan import BUILTIN_ACTIVITY_KINDS, PlanError, PlanSpec, builtin_plans, checksum, parse_plan

if TYPE_CHECKING:
    from taolun.accounts.models import User

DEFAULT_PLAN = "xihu-2018"
# Paths under /campaigns/ that a slug may not take.
RESERVED_SLUGS = {"new", "create", "list"}

# The one door for status moves: {from: {to: action name}}.
TRANSITIONS: dict[str, dict[str, str]] = {
    CampaignStatus.DRAFT: {CampaignStatus.ACTIVE: "activate"},
    CampaignStatus.ACTIVE: {CampaignStatus.CLOSED: "close"},
    CampaignStatus.CLOSED: {CampaignStatus.ACTIVE: "reopen"},
}


def spec_of(source: str) -> PlanSpec:
    """The validated plan, or a ValidationError whose ``source`` messages name each bad key (one
    sentence per problem, in the user's language)."""
    try:
        return parse_plan(source)
    except PlanError as exc:
        raise ValidationError({"source": exc.messages()}) from exc


# --- plans --------------------------------------------------------------------------------------


def plan_load(*, source: str, by: User | None) -> Plan:
    """Validate and store an uploaded plan (``campaigns.load_plan``: a global office or an admin, since
    plans are shared by every campaign). Loading the same text again returns the stored plan
    unchanged; different text under a key and version already loaded is refused (raise ``version``);
    a built-in plan's key is refused, so that an upload cannot take the built-in plan's place."""
    return _plan_load(source=source, by=by)[0]


def _plan_load(*, source: str, by: User | None) -> tuple[Plan, PlanSpec]:
    require_perm(by, "campaigns.load_plan")
    spec = spec_of(source)
    if spec.key in builtin_plans():
        raise ValidationError(
            {
                "source": _(
                    "“%(key)s”是内置方案的标识，上传的方案不能使用。"
                    "请在方案文件的 key 中换一个标识（例如 %(key)s-local）后再上传；"
                    "要使用内置方案，请直接在方案列表中选择它。"
                )
                % {"key": spec.key}
            }
        )
    return _plan_store(source=source, spec=spec, builtin=False, by=by), spec


def _plan_store(*, source: str, spec: PlanSpec, builtin: bool, by: User | None) -> Plan:
    digest = checksum(source)

    def conflict(existing: Plan) -> Plan:
        if existing.checksum == digest:
            return existing
        raise ValidationError(
            {
                "source": _(
                    "方案“%(key)s”第 %(version)s 版已经载入，但内容与本次不同。"
                    "修改过的方案请把 version 改为 %(next)s 后再载入（已创建的活动不受影响）。"
                )
                % {"key": spec.key, "version": spec.version, "next": spec.version + 1}
            }
        )

    existing = Plan.objects.filter(key=spec.key, version=spec.version).first()
    if existing is not None:
        return conflict(existing)
    try:
        with transaction.atomic():
            plan = Plan.objects.create(
                key=spec.key,
                version=spec.version,
                title=spec.title,
                source=source,
                checksum=digest,
                is_builtin=builtin,
            )
            audit_record(
                actor=by,
                action="campaigns.plan.load",
                obj=plan,
                after={
                    "key": plan.key,
                    "version": plan.version,
                    "title": plan.title,
                    "checksum": digest,
                    "is_builtin": builtin,
                },
            )
    except IntegrityError:
        # Loaded by someone else a moment ago.
        return conflict(Plan.objects.get(key=spec.key, version=spec.version))
    return plan


def plan_load_builtin(*, key: str = DEFAULT_PLAN, by: User | None = None) -> Plan:
    """Store a plan shipped with Taolun (or return it, already stored). Any office may: the text is
    fixed in the code, so loading it cannot change what other campaigns use."""
    return _plan_load_builtin(key=key, by=by)[0]


def _plan_load_builtin(*, key: str, by: User | None) -> tuple[Plan, PlanSpec]:
    require_perm(by, "campaigns.manage_campaigns")
    plans = builtin_plans()
    if key not in plans:
        raise ValidationError(
            {
                "source": _("没有名为“%(key)s”的内置方案（内置方案：%(known)s）。")
                % {"key": key, "known": join_list(plans)}
            }
        )
    source = plans[key].read_text(encoding="utf-8")
    spec = spec_of(source)
    return _plan_store(source=source, spec=spec, builtin=True, by=by), spec


# --- campaigns ----------------------------------------------------------------------------------


def _check_new_campaign(
    *, spec: PlanSpec, root_unit: Unit, slug: str, start_date: dt.date, end_date: dt.date | None, title: str
) -> None:
    errors: dict[str, list[str]] = {}
    try:
        validate_slug(slug)
    except ValidationError:
        errors["slug"] = [_("标识只能包含英文字母、数字、连字符和下划线，例如 xihu-2019。")]
    else:
        if slug in RESERVED_SLUGS:
            errors["slug"] = [_("“%(slug)s”是保留字，请换一个标识。") % {"slug": slug}]
        elif Campaign.objects.filter(slug=slug).exists():
            errors["slug"] = [_("标识“%(slug)s”已被其他活动使用，请换一个。") % {"slug": slug}]
    if len(title) > 200:
        errors["title"] = [_("标题不能超过 200 个字。")]
    if end_date is not None and end_date <= start_date:
        errors["end_date"] = [
            _("结束日期（%(end)s）必须晚于开始日期（%(start)s）。") % {"end": end_date, "start": start_date}
        ]
    if not root_unit.is_active:
        errors["root_unit"] = [_("单位“%(name)s”已停用，不能作为活动范围。") % {"name": root_unit.name}]
    codes = spec.subtree_codes()
    if codes:
        found = dict(Unit.objects.filter(code__in=codes).values_list("code", "path"))
        missing = sorted(codes - found.keys())
        outside = sorted(code for code, path in found.items() if not path.startswith(root_unit.path))
        if missing:
            errors.setdefault("root_unit", []).append(
                _("方案的工作要求用到了不存在的单位代码：%(codes)s。请先创建这些单位，或修改方案的 subtrees。")
                % {"codes": join_list(missing)}
            )
        if outside:
            errors.setdefault("root_unit", []).append(
                _("方案的工作要求用到的单位 %(codes)s 不在“%(root)s”之下。")
                % {"codes": join_list(outside), "root": root_unit.name}
            )
    if errors:
        raise ValidationError(errors)


def campaign_create(
    *,
    plan: Plan,
    root_unit: Unit,
    slug: str,
    start_date: dt.date,
    end_date: dt.date | None = None,
    title: str | None = None,
    by: User | None,
) -> Campaign:
    """A new campaign (draft) from ``plan`` over ``root_unit``'s subtree, every plan date moved onto
    the new period (see :func:`~taolun.campaigns.dates.date_mapper`)."""
    return _campaign_create(
        plan=plan,
        spec=None,
        root_unit=root_unit,
        slug=slug,
        start_date=start_date,
        end_date=end_date,
        title=title,
        by=by,
    )


def _campaign_create(
    *,
    plan: Plan,
    spec: PlanSpec | None,
    root_unit: Unit,
    slug: str,
    start_date: dt.date,
    end_date: dt.date | None,
    title: str | None,
    by: User | None,
) -> Campaign:
    """:func:`campaign_create`, given the plan's parsed ``spec`` when the caller has just parsed it."""
    require_perm(by, "campaigns.create_campaign", root_unit)
    if spec is None:
        spec = spec_of(plan.source)
    slug = (slug or "").strip()
    title = (title or "").strip() or spec.title
    _check_new_campaign(
        spec=spec, root_unit=root_unit, slug=slug, start_date=start_date, end_date=end_date, title=title
    )
    to_date = date_mapper(spec.period.start, spec.period.end, start_date, end_date)
    try:
        with transaction.atomic():
            campaign = Campaign.objects.create(
                plan=plan,
                slug=slug,
                title=title,
                short_title=spec.short_title,
                issuer=spec.issuer,
                basis=spec.basis,
                preamble=spec.preamble,
                principles=[p.model_dump(mode="json") for p in spec.principles],
                safeguards=[s.model_dump(mode="json") for s in spec.safeguards],
                themes_intro=spec.themes_intro,
                stages_intro=spec.stages_intro,
                start_date=start_date,
                end_date=to_date(spec.period.end),
                root_unit=root_unit,
                status=CampaignStatus.DRAFT,
                created_by=by if by is not None and by.pk else None,
            )
            _copy_plan_items(campaign, spec, to_date)
            audit_record(
                actor=by,
                action="campaigns.campaign.create",
                obj=campaign,
                after={
                    "slug": campaign.slug,
                    "title": campaign.title,
                    "plan": f"{plan.key} v{plan.version}",
                    "root_unit": root_unit.code,
                    "start_date": campaign.start_date,
                    "end_date": campaign.end_date,
                    "status": campaign.status,
                    "themes": len(spec.themes),
                    "stages": len(spec.stages),
                    "requirements": len(spec.requirements),
                },
                unit_path=root_unit.path,
            )
    except IntegrityError as exc:
        raise ValidationError({"slug": [_("标识“%(slug)s”已被其他活动使用，请换一个。") % {"slug": slug}]}) from exc
    return campaign


def activity_kinds_of(campaign: Campaign, spec: PlanSpec) -> list[ActivityKind]:
    """The campaign's activity kinds: the built-in four, then those the plan adds."""
    with translation.override("zh-hans"):
        builtin = [
            ActivityKind(campaign=campaign, key=key, order=i, title=str(ACTIVITY_KINDS[key]), is_builtin=True)
            for i, key in enumerate(BUILTIN_ACTIVITY_KINDS, start=1)
        ]
    extra = [
        ActivityKind(campaign=campaign, key=k.key, order=i, title=k.title, description=k.description)
        for i, k in enumerate(spec.activity_kinds, start=len(builtin) + 1)
    ]
    return builtin + extra


def _copy_plan_items(campaign: Campaign, spec: PlanSpec, to_date: Any) -> None:
    Theme.objects.bulk_create(
        Theme(campaign=campaign, key=t.key, order=i, title=t.title, description=t.description, question=t.question)
        for i, t in enumerate(spec.themes, start=1)
    )
    Shortcoming.objects.bulk_create(
        Shortcoming(campaign=campaign, key=s.key, order=i, title=s.title, description=s.description)
        for i, s in enumerate(spec.shortcomings, start=1)
    )
    Dimension.objects.bulk_create(
        Dimension(campaign=campaign, key=d.key, order=i, title=d.title, description=d.description)
        for i, d in enumerate(spec.dimensions, start=1)
    )
    ActivityKind.objects.bulk_create(activity_kinds_of(campaign, spec))
    Stage.objects.bulk_create(
        Stage(
            campaign=campaign,
            key=s.key,
            order=i,
            title=s.title,
            description=s.description,
            start_date=to_date(s.start),
            end_date=to_date(s.end),
        )
        for i, s in enumerate(spec.stages, start=1)
    )
    stages = {s.key: s for s in Stage.objects.filter(campaign=campaign)}
    Requirement.objects.bulk_create(
        Requirement(
            campaign=campaign,
            key=r.key,
            order=i,
            title=r.title,
            description=r.description,
            stage=stages[r.stage],
            subject=r.subject,
            applies_to=r.applies_to.model_dump(mode="json", exclude_none=True),
            evidence=r.evidence.model_dump(mode="json"),
            due_date=to_date(r.due),
            weight=r.weight,
        )
        for i, r in enumerate(spec.requirements, start=1)
    )


def _campaign_move(*, campaign: Campaign, to: str, by: User | None) -> Campaign:
    require_perm(by, "campaigns.change_campaign", campaign)
    with transaction.atomic():
        locked = Campaign.objects.select_for_update().select_related("root_unit").get(pk=campaign.pk)
        allowed = TRANSITIONS.get(locked.status, {})
        if to not in allowed:
            possible = join_list(CampaignStatus(s).label for s in allowed) or _("无")
            raise ValidationError(
                _("活动“%(title)s”当前为“%(now)s”，不能改为“%(to)s”（可改为：%(possible)s）。")
                % {
                    "title": locked.title,
                    "now": CampaignStatus(locked.status).label,
                    "to": CampaignStatus(to).label,
                    "possible": possible,
                },
                code="invalid_transition",
            )
        before = locked.status
        locked.status = to
        locked.save(update_fields=["status", "updated_at"])
        audit_record(
            actor=by,
            action=f"campaigns.campaign.{allowed[to]}",
            obj=locked,
            before={"status": before},
            after={"status": to},
            unit_path=locked.root_unit.path,
        )
    campaign.status = locked.status
    campaign.updated_at = locked.updated_at
    return campaign


def campaign_activate(*, campaign: Campaign, by: User | None) -> Campaign:
    """Start a draft campaign, or reopen a closed one."""
    return _campaign_move(campaign=campaign, to=CampaignStatus.ACTIVE, by=by)


def campaign_close(*, campaign: Campaign, by: User | None) -> Campaign:
    return _campaign_move(campaign=campaign, to=CampaignStatus.CLOSED, by=by)


def campaign_setup(
    *,
    plan: Plan | None = None,
    plan_key: str | None = None,
    plan_source: str | None = None,
    root_unit: Unit,
    slug: str,
    start_date: dt.date,
    end_date: dt.date | None = None,
    title: str | None = None,
    activate: bool = False,
    by: User | None,
) -> Campaign:
    """Load the plan (a stored one, a built-in key or YAML text), create the campaign and optionally
    start it — all or nothing: a bad plan or a bad date leaves neither plan nor campaign behind."""
    with transaction.atomic():
        # The plan text is parsed once: the spec read while loading also builds the campaign.
        spec: PlanSpec | None = None
        if plan is None:
            if plan_key is not None:
                plan, spec = _plan_load_builtin(key=plan_key, by=by)
            elif plan_source is not None:
                plan, spec = _plan_load(source=plan_source, by=by)
            else:
                raise ValidationError({"source": _("请选择内置方案或上传方案文件。")})
        campaign = _campaign_create(
            plan=plan,
            spec=spec,
            root_unit=root_unit,
            slug=slug,
            start_date=start_date,
            end_date=end_date,
            title=title,
            by=by,
        )
        if activate:
            campaign_activate(campaign=campaign, by=by)
    return campaign
