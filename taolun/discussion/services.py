"""Writes for the online discussion: take part, post, comment, vote, follow, report, moderate, route,
reply, rate, and the discussion's settings.

Every write checks its named rule (``by=None`` is the system), runs in one transaction and appends an
audit entry. Moderation moves go through ``MODERATION``, answer moves through ``ANSWERS``. Public input
is checked for size, refused when the participant is blocked or repeats themself, counted against the
per-participant and per-address limits (``DISCUSSION_RATE_LIMITS``), and screened for sensitive words:
a hit holds the text for a moderator whatever the campaign's moderation mode.
"""

from __future__ import annotations

import datetime as dt
import hashlib
from collections.abc import Iterable
from typing import TYPE_CHECKING, Any

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.db.models import F, Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, pgettext_lazy

from taolun.accounts.models import Role
from taolun.accounts.selectors import office_users_covering, users_covering
from taolun.campaigns.models import Campaign, CampaignStatus, Theme
from taolun.core import ratelimit
from taolun.core.models import AuditEntry
from taolun.core.permissions import require_perm
from taolun.core.services import actor, audit_record, audit_record_many, changed, clean_text, notify, snapshot
from taolun.orgs.models import Unit
from taolun.orgs.validators import clean_id_number
from taolun.text.normalize import normalize

from . import screening, search
from .models import (
    AnswerState,
    Comment,
    Follow,
    Forum,
    Kind,
    Participant,
    Rating,
    Reply,
    Report,
    ReportReason,
    RoutingRule,
    SensitiveWord,
    Suggestion,
    Visibility,
    Vote,
)

if TYPE_CHECKING:
    from taolun.accounts.models import User

V = Visibility
A = AnswerState

TITLE_MIN = 4
TITLE_MAX = 60
NICKNAME_MAX = 30
REASON_MAX = 500

# Moderation: {from: {to: action}}.
MODERATION: dict[str, dict[str, str]] = {
    V.PENDING: {V.PUBLISHED: "approve", V.REJECTED: "reject"},
    V.PUBLISHED: {V.HIDDEN: "hide"},
    V.HIDDEN: {V.PUBLISHED: "restore", V.REJECTED: "reject"},
    V.REJECTED: {V.PUBLISHED: "restore"},
}
# The moderator's actions and where each leads. ``dismiss`` leads nowhere: the reports on a public item
# are found unfounded and closed, and the item stays public.
MODERATION_ACTIONS = {"approve": V.PUBLISHED, "reject": V.REJECTED, "hide": V.HIDDEN, "restore": V.PUBLISHED}
DISMISS = "dismiss"


def moderation_actions(item: Suggestion | Comment, *, open_reports: bool) -> list[str]:
    """The actions a moderator may take on ``item`` as it stands."""
    actions = list(MODERATION.get(item.status, {}).values())
    if item.status == V.PUBLISHED and open_reports:
        actions.append(DISMISS)
    return actions


# The answer loop: {from: {to: action}}.
ANSWERS: dict[str, dict[str, str]] = {
    A.UNROUTED: {A.ASSIGNED: "route"},
    A.ASSIGNED: {A.ASSIGNED: "route", A.REPLIED: "reply"},
    A.REOPENED: {A.REOPENED: "route", A.REPLIED: "reply"},
    A.REPLIED: {A.CLOSED: "rate", A.REOPENED: "rate"},
    A.CLOSED: {},
}

SUGGESTION_FIELDS = ["status", "answer_state", "department", "due_at", "moderation_note"]


# --- limits ---------------------------------------------------------------------------------------


def body_limit(kind: str) -> int:
    limits = getattr(settings, "DISCUSSION_TEXT_LIMITS", {})
    return int(limits.get(kind, {"suggestion": 3000, "comment": 1000, "reply": 5000}[kind]))


# The code of a refusal for going over a rate limit (the API answers it with 429).
RATE_LIMITED = "rate_limited"


def _rate_limit(action: str, participant: Participant, ip: str | None) -> None:
    """Count one ``action``; refuse it when the participant or the address is over its limit."""
    limits = getattr(settings, "DISCUSSION_RATE_LIMITS", {})
    spec = limits.get(action)
    if not spec:
        return
    per_participant, per_address, window = int(spec[0]), int(spec[1]), int(spec[2])
    over_participant = ratelimit.hit(f"disc:{action}:p", str(participant.pk), window_seconds=window) > per_participant
    over_address = bool(ip and per_address) and (
        ratelimit.hit(f"disc:{action}:a", str(ip), window_seconds=window) > per_address
    )
    if over_participant or over_address:
        values = {"minutes": max(1, window // 60), "what": _ACTION_WORDS.get(action, action)}
        if over_participant:
            message = _("操作过于频繁：每 %(minutes)s 分钟内最多%(what)s %(n)s 次，请稍后再试。")
            values["n"] = per_participant
        else:
            message = _("您所在的网络地址操作过于频繁：每 %(minutes)s 分钟内最多%(what)s %(n)s 次，请稍后再试。")
            values["n"] = per_address
        raise ValidationError(message % values, code=RATE_LIMITED)


_ACTION_WORDS = {
    "suggestion": gettext_lazy("发表建言"),
    "comment": gettext_lazy("发表评论"),
    "vote": pgettext_lazy("verb", "投票"),
    "report": pgettext_lazy("verb", "举报"),
}


def content_fingerprint(*parts: str) -> str:
    """What makes two posts "the same" for the duplicate check: their normalised texts."""
    text = "\n".join(normalize(part or "").text for part in parts)
    return hashlib.blake2b(text.encode("utf-8"), digest_size=20).hexdigest()


def _clean_body(value: Any, field: str, label: Any, kind: str, *, minimum: int = 1) -> str:
    text = clean_text(value, field, label=label, limit=body_limit(kind), required=True)
    if len(normalize(text).text) < minimum:
        raise ValidationError({field: _("%(label)s至少 %(n)s 个字。") % {"label": label, "n": minimum}})
    return text


# --- the discussion's settings --------------------------------------------------------------------


def forum_of(campaign: Campaign) -> Forum:
    """The campaign's discussion settings, made with the defaults on first use."""
    forum, _created = Forum.objects.get_or_create(campaign=campaign)
    return forum


FORUM_FIELDS = [
    "is_open",
    "moderation",
    "require_real_name",
    "hide_after_reports",
    "remind_days",
    "escalate_days",
    "days_suggest",
    "days_ask",
    "days_help",
    "days_complain",
]


def forum_update(*, forum: Forum, by: User | None, **values: Any) -> Forum:
    require_perm(by, "discussion.manage_forum", forum.campaign)
    unknown = set(values) - set(FORUM_FIELDS)
    if unknown:
        raise ValidationError(_("未知的设置项：%(names)s") % {"names": "、".join(sorted(unknown))})

    def number(name: str) -> int | None:
        try:
            return int(values[name])
        except (TypeError, ValueError):
            return None

    for name in ("days_suggest", "days_ask", "days_help", "days_complain"):
        if name in values and not 1 <= (number(name) or 0) <= 365:
            raise ValidationError({name: _("答复时限应在 1 至 365 天之间。")})
    if "hide_after_reports" in values and (number("hide_after_reports") or 0) < 1:
        raise ValidationError({"hide_after_reports": _("自动隐藏举报数至少为 1。")})
    with transaction.atomic():
        forum = Forum.objects.select_for_update().get(pk=forum.pk)
        before = snapshot(forum, FORUM_FIELDS)
        for name, value in values.items():
            setattr(forum, name, value)
        forum.updated_by = actor(by)
        forum.full_clean(exclude=["campaign", "updated_by"])
        forum.save()
        old, new = changed(before, snapshot(forum, FORUM_FIELDS))
        if new:
            audit_record(
                actor=by, action="discussion.forum_update", obj=forum, before=old, after=new, unit_path=_path(forum)
            )
    return forum


def _path(obj: Forum | Suggestion | Campaign) -> str:
    campaign = obj if isinstance(obj, Campaign) else obj.campaign
    return str(campaign.root_unit.path)


def routing_rule_set(*, campaign: Campaign, theme: Theme | None, department: Unit | None, by: User | None) -> None:
    """Route the theme's suggestions (or, without a theme, every other one) to ``department``; None removes the rule."""
    require_perm(by, "discussion.manage_forum", campaign)
    if theme is not None and theme.campaign_id != campaign.pk:
        raise ValidationError({"theme": _("该主题不属于本次活动。")})
    if department is not None and not department.path.startswith(campaign.root_unit.path):
        raise ValidationError({"department": _("承办单位应在本次活动的组织范围内。")})
    with transaction.atomic():
        rule = RoutingRule.objects.select_for_update().filter(campaign=campaign, theme=theme).first()
        before = {"department": rule.department_id} if rule else None
        if department is None:
            if rule is None:
                return
            rule.delete()
            after = None
        elif rule is None:
            RoutingRule.objects.create(campaign=campaign, theme=theme, department=department)
            after = {"department": department.pk}
        else:
            rule.department = department
            rule.save(update_fields=["department"])
            after = {"department": department.pk}
        audit_record(
            actor=by,
            action="discussion.routing_rule",
            object_type=RoutingRule._meta.label,
            object_id=str(theme.pk if theme else ""),
            object_repr=str(theme or _("默认")),
            before=before,
            after=after,
            unit_path=campaign.root_unit.path,
        )


def words_add(*, words: Iterable[str], category: str = "", by: User | None) -> int:
    """Add sensitive words (blank lines and known words skipped); returns how many were new."""
    require_perm(by, "discussion.moderation_queue")
    cleaned: dict[str, None] = {}
    for raw in words:
        word = (raw or "").strip()
        if not word:
            continue
        if len(word) > 40:
            raise ValidationError({"words": _("敏感词“%(word)s”过长（最多 40 字）。") % {"word": word[:40]}})
        if not normalize(word).text:
            raise ValidationError({"words": _("“%(word)s”只含符号，不能作为敏感词。") % {"word": word}})
        cleaned[word] = None
    with transaction.atomic():
        known = set(SensitiveWord.objects.filter(word__in=list(cleaned)).values_list("word", flat=True))
        new = [SensitiveWord(word=w, category=category[:30], created_by=actor(by)) for w in cleaned if w not in known]
        SensitiveWord.objects.bulk_create(new)
        if new:
            audit_record(
                actor=by,
                action="discussion.words_add",
                object_type=SensitiveWord._meta.label,
                object_repr=_("敏感词 %(n)s 个") % {"n": len(new)},
                after={"words": [w.word for w in new]},
            )
            screening.words_changed()
    return len(new)


def words_remove(*, words: Iterable[str], by: User | None) -> int:
    require_perm(by, "discussion.moderation_queue")
    wanted = [w.strip() for w in words if w and w.strip()]
    with transaction.atomic():
        removed = list(SensitiveWord.objects.filter(word__in=wanted).values_list("word", flat=True))
        SensitiveWord.objects.filter(word__in=removed).delete()
        if removed:
            audit_record(
                actor=by,
                action="discussion.words_remove",
                object_type=SensitiveWord._meta.label,
                object_repr=_("敏感词 %(n)s 个") % {"n": len(removed)},
                before={"words": removed},
            )
            screening.words_changed()
    return len(removed)


# --- participants ---------------------------------------------------------------------------------


def _clean_nickname(nickname: str) -> str:
    nickname = clean_text(nickname, "nickname", label=_("昵称"), limit=NICKNAME_MAX, required=True)
    if screening.hits(nickname):
        raise ValidationError({"nickname": _("昵称含有不宜使用的词语，请换一个。")})
    return nickname


def participant_ensure(*, user: User, nickname: str = "") -> Participant:
    """The user's participant record, made on first use (a cadre's nickname defaults to their name)."""
    existing = Participant.objects.filter(user=user).first()
    if existing is not None:
        return existing
    # A chosen nickname is checked as given; the default (the account's name) is cut to fit.
    nickname = _clean_nickname(nickname or (user.display_name or user.get_username())[:NICKNAME_MAX])
    try:
        with transaction.atomic():
            participant = Participant.objects.create(user=user, nickname=nickname)
            audit_record(actor=user, action="discussion.participant_create", obj=participant)
    except IntegrityError:  # made by a parallel request
        participant = Participant.objects.get(user=user)
    return participant


def participant_update(*, participant: Participant, nickname: str, by: User) -> Participant:
    if by.pk != participant.user_id:
        raise PermissionDenied(_("只能修改自己的昵称。"))
    nickname = _clean_nickname(nickname)
    with transaction.atomic():
        before = snapshot(participant, ["nickname"])
        participant.nickname = nickname
        participant.save(update_fields=["nickname", "updated_at"])
        old, new = changed(before, snapshot(participant, ["nickname"]))
        if new:
            audit_record(actor=by, action="discussion.participant_update", obj=participant, before=old, after=new)
    return participant


def participant_register_name(*, participant: Participant, real_name: str, id_number: str, by: User) -> Participant:
    """后台实名: the participant records their real name and ID number, kept from the public pages."""
    if by.pk != participant.user_id:
        raise PermissionDenied(_("只能登记自己的实名信息。"))
    real_name = clean_text(real_name, "real_name", label=_("真实姓名"), limit=60, required=True)
    try:
        number = clean_id_number(id_number)
    except ValidationError as error:
        raise ValidationError({"id_number": error.messages}) from error
    if not number:
        raise ValidationError({"id_number": _("请填写身份证号。")})
    with transaction.atomic():
        participant.real_name = real_name
        participant.id_number = number
        participant.verified_at = timezone.now()
        participant.save(update_fields=["real_name", "id_number", "verified_at", "updated_at"])
        # The audit log keeps that it happened, not the number.
        audit_record(actor=by, action="discussion.participant_real_name", obj=participant)
    return participant


def participant_block(*, participant: Participant, reason: str, by: User | None, campaign: Campaign) -> Participant:
    require_perm(by, "discussion.moderate", campaign)
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError({"reason": _("请说明封禁原因。")})
    with transaction.atomic():
        participant = Participant.objects.select_for_update().get(pk=participant.pk)
        if participant.is_blocked:
            raise ValidationError(_("该参与者已被封禁。"))
        participant.blocked_at = timezone.now()
        participant.blocked_reason = reason[:REASON_MAX]
        participant.blocked_by = actor(by)
        participant.save(update_fields=["blocked_at", "blocked_reason", "blocked_by", "updated_at"])
        audit_record(
            actor=by,
            action="discussion.participant_block",
            obj=participant,
            after={"blocked": True},
            note=participant.blocked_reason,
        )
    return participant


def participant_unblock(*, participant: Participant, by: User | None, campaign: Campaign) -> Participant:
    require_perm(by, "discussion.moderate", campaign)
    with transaction.atomic():
        participant = Participant.objects.select_for_update().get(pk=participant.pk)
        if not participant.is_blocked:
            raise ValidationError(_("该参与者未被封禁。"))
        participant.blocked_at = None
        participant.blocked_reason = ""
        participant.blocked_by = None
        participant.save(update_fields=["blocked_at", "blocked_reason", "blocked_by", "updated_at"])
        audit_record(
            actor=by, action="discussion.participant_unblock", obj=participant, before={"blocked": True}, after={}
        )
    return participant


def _taking_part(by: User | None, campaign: Campaign, *, needs_real_name: bool = True) -> tuple[Participant, Forum]:
    """The participant ``by`` speaks as, or the reason they may not."""
    if by is None or not by.is_authenticated:
        raise PermissionDenied(_("请先登录后再参与讨论。"))
    participant = participant_ensure(user=by)
    if participant.is_blocked:
        raise PermissionDenied(
            _("您已被禁止参与讨论（%(reason)s）。如有异议请联系管理员。") % {"reason": participant.blocked_reason}
        )
    if campaign.status != CampaignStatus.ACTIVE:
        raise ValidationError(_("该活动未在进行中，不能参与讨论。"))
    forum = forum_of(campaign)
    if not forum.is_open:
        raise ValidationError(_("网上讨论已关闭，不能再发言或投票。"))
    if needs_real_name and forum.require_real_name and not participant.is_verified:
        raise ValidationError(_("本次讨论要求后台实名：请先登记真实姓名，前台只显示您的昵称。"))
    return participant, forum


# --- posting --------------------------------------------------------------------------------------


def _suggestion_audit(suggestion: Suggestion, action: str, by: User | None, **kwargs: Any) -> None:
    audit_record(actor=by, action=f"discussion.{action}", obj=suggestion, unit_path=_path(suggestion), **kwargs)


def _admit(
    earlier: Any, participant: Participant, forum: Forum, ip: str | None, action: str, repeated: str, *texts: str
) -> tuple[str, bool, list[str]]:
    """What posting a text asks of it: not a repeat of the participant's own among ``earlier`` (a
    rejected one may be sent again), within the limits, screened. Returns its fingerprint, whether it
    is held for a moderator (a screened word, or 先审后发) and the words found."""
    fingerprint = content_fingerprint(*texts)
    if earlier.filter(author=participant, content_hash=fingerprint).exclude(status=V.REJECTED).exists():
        raise ValidationError(repeated)
    _rate_limit(action, participant, ip)
    words = screening.hits(*texts)
    return fingerprint, bool(words) or forum.moderation == "pre", words


def suggestion_create(
    *,
    campaign: Campaign,
    theme: Theme,
    kind: str = Kind.SUGGEST,
    title: str,
    body: str,
    by: User,
    ip: str | None = None,
) -> Suggestion:
    """Post a suggestion: published at once (先发后审) or held (先审后发, or a sensitive word)."""
    if theme.campaign_id != campaign.pk:
        raise ValidationError({"theme": _("请选择本次活动的讨论主题。")})
    if kind not in Kind.values:
        raise ValidationError({"kind": _("请选择留言类型。")})
    title = clean_text(title, "title", label=_("标题"), limit=TITLE_MAX, required=True)
    if len(normalize(title).text) < TITLE_MIN:
        raise ValidationError({"title": _("标题至少 %(n)s 个字。") % {"n": TITLE_MIN}})
    body = _clean_body(body, "body", _("内容"), "suggestion", minimum=10)
    participant, forum = _taking_part(by, campaign)
    fingerprint, held, words = _admit(
        Suggestion.objects.filter(campaign=campaign),
        participant,
        forum,
        ip,
        "suggestion",
        _("您已发表过相同的建言，请勿重复提交。"),
        title,
        body,
    )
    now = timezone.now()
    with transaction.atomic():
        suggestion = Suggestion.objects.create(
            campaign=campaign,
            theme=theme,
            kind=kind,
            title=title,
            body=body,
            author=participant,
            status=V.PENDING if held else V.PUBLISHED,
            published_at=None if held else now,
            screen_hits=words,
            content_hash=fingerprint,
            ip_address=ip,
            last_activity_at=now,
            follows_count=1,  # the author follows their own suggestion
        )
        Follow.objects.create(suggestion=suggestion, user=by)
        search.index(suggestion)
        _suggestion_audit(suggestion, "suggestion_create", by, after=snapshot(suggestion, SUGGESTION_FIELDS))
        if not held:
            _auto_route(suggestion)
    return suggestion


def comment_create(
    *, suggestion: Suggestion, body: str, by: User, parent: Comment | None = None, ip: str | None = None
) -> Comment:
    if suggestion.status != V.PUBLISHED:
        raise ValidationError(_("该建言尚未公开，暂不能评论。"))
    if parent is not None and (parent.suggestion_id != suggestion.pk or parent.status != V.PUBLISHED):
        raise ValidationError({"parent": _("回复的评论不存在或未公开。")})
    body = _clean_body(body, "body", _("评论"), "comment", minimum=2)
    participant, forum = _taking_part(by, suggestion.campaign)
    fingerprint, held, words = _admit(
        Comment.objects.filter(suggestion=suggestion),
        participant,
        forum,
        ip,
        "comment",
        _("您已发表过相同的评论，请勿重复提交。"),
        body,
    )
    now = timezone.now()
    depth = 0 if parent is None else min(parent.depth + 1, Comment.MAX_DEPTH)
    if parent is not None and parent.depth >= Comment.MAX_DEPTH:
        parent = parent.parent  # the thread goes no deeper: answer beside the deepest comment
    with transaction.atomic():
        comment = Comment.objects.create(
            suggestion=suggestion,
            parent=parent,
            depth=depth,
            author=participant,
            body=body,
            status=V.PENDING if held else V.PUBLISHED,
            published_at=None if held else now,
            screen_hits=words,
            content_hash=fingerprint,
            ip_address=ip,
        )
        if not held:
            Suggestion.objects.filter(pk=suggestion.pk).update(
                comments_count=F("comments_count") + 1, last_activity_at=now
            )
        search.index(comment)
        audit_record(
            actor=by,
            action="discussion.comment_create",
            obj=comment,
            after={"status": comment.status, "suggestion": suggestion.pk},
            unit_path=_path(suggestion),
        )
    if not held:
        _notify_followers(suggestion, by, _("您关注的建言有新评论：%(title)s") % {"title": suggestion.title})
    return comment


def _counter(value: int) -> str:
    return "supports_count" if value == Vote.SUPPORT else "opposes_count"


def vote_cast(*, suggestion: Suggestion, value: int, by: User, ip: str | None = None) -> int:
    """Support (1) or oppose (−1) a suggestion. Casting the same again changes nothing; the other value
    replaces the first. One vote per participant, however many requests race or are replayed."""
    if value not in (Vote.SUPPORT, Vote.OPPOSE):
        raise ValidationError({"value": _("投票只能是支持（1）或反对（-1）。")})
    if suggestion.status != V.PUBLISHED:
        raise ValidationError(_("该建言尚未公开，暂不能投票。"))
    participant, _forum = _taking_part(by, suggestion.campaign)
    _rate_limit("vote", participant, ip)
    with transaction.atomic():
        existing = Vote.objects.select_for_update().filter(suggestion=suggestion, participant=participant).first()
        if existing is None:
            try:
                with transaction.atomic():
                    Vote.objects.create(suggestion=suggestion, participant=participant, value=value)
            except IntegrityError:
                # A parallel request of the same participant got there first: its vote stands.
                return int(Vote.objects.get(suggestion=suggestion, participant=participant).value)
            Suggestion.objects.filter(pk=suggestion.pk).update(**{_counter(value): F(_counter(value)) + 1})
            before = None
        elif existing.value == value:
            return value
        else:
            before = {"value": existing.value}
            Vote.objects.filter(pk=existing.pk).update(value=value, created_at=timezone.now())
            Suggestion.objects.filter(pk=suggestion.pk).update(
                **{_counter(value): F(_counter(value)) + 1, _counter(existing.value): F(_counter(existing.value)) - 1}
            )
        audit_record(
            actor=by,
            action="discussion.vote",
            object_type=Suggestion._meta.label,
            object_id=str(suggestion.pk),
            object_repr=suggestion.title[:200],
            before=before,
            after={"value": value},
            unit_path=_path(suggestion),
        )
    return value


def vote_withdraw(*, suggestion: Suggestion, by: User, ip: str | None = None) -> None:
    participant, _forum = _taking_part(by, suggestion.campaign, needs_real_name=False)
    _rate_limit("vote", participant, ip)
    with transaction.atomic():
        existing = Vote.objects.select_for_update().filter(suggestion=suggestion, participant=participant).first()
        if existing is None:
            return
        existing.delete()
        Suggestion.objects.filter(pk=suggestion.pk).update(
            **{_counter(existing.value): F(_counter(existing.value)) - 1}
        )
        audit_record(
            actor=by,
            action="discussion.vote_withdraw",
            object_type=Suggestion._meta.label,
            object_id=str(suggestion.pk),
            object_repr=suggestion.title[:200],
            before={"value": existing.value},
            unit_path=_path(suggestion),
        )


def follow_set(*, suggestion: Suggestion, by: User, on: bool) -> bool:
    """Follow (or stop following) a suggestion: followers hear of new comments and of the reply."""
    if by is None or not by.is_authenticated:
        raise PermissionDenied(_("请先登录。"))
    if on and not by.has_perm("discussion.view_item", suggestion):  # stopping is always allowed
        raise PermissionDenied(_("该建言尚未公开。"))
    with transaction.atomic():
        if on:
            try:
                with transaction.atomic():
                    Follow.objects.create(suggestion=suggestion, user=by)
            except IntegrityError:
                return True
            Suggestion.objects.filter(pk=suggestion.pk).update(follows_count=F("follows_count") + 1)
        else:
            deleted, _rows = Follow.objects.filter(suggestion=suggestion, user=by).delete()
            if deleted:
                Suggestion.objects.filter(pk=suggestion.pk).update(follows_count=F("follows_count") - 1)
    return on


def report_create(
    *,
    suggestion: Suggestion | None = None,
    comment: Comment | None = None,
    reason: str,
    note: str = "",
    by: User,
    ip: str | None = None,
) -> Report:
    """Report content to the moderators; content reported by enough people is hidden until they decide."""
    if (suggestion is None) == (comment is None):
        raise ValidationError(_("请指明举报的建言或评论。"))
    target: Suggestion | Comment = suggestion if suggestion is not None else comment  # type: ignore[assignment]
    if reason not in ReportReason.values:
        raise ValidationError({"reason": _("请选择举报原因。")})
    note = clean_text(note, "note", label=_("补充说明"), limit=REASON_MAX)
    owner = suggestion if suggestion is not None else comment.suggestion  # type: ignore[union-attr]
    if target.status != V.PUBLISHED:
        raise ValidationError(_("该内容未公开，无需举报。"))
    participant, forum = _taking_part(by, owner.campaign, needs_real_name=False)
    if target.author_id == participant.pk:
        raise ValidationError(_("不能举报自己发表的内容。"))
    _rate_limit("report", participant, ip)
    model = type(target)
    with transaction.atomic():
        try:
            with transaction.atomic():
                report = Report.objects.create(
                    suggestion=suggestion, comment=comment, reporter=participant, reason=reason, note=note
                )
        except IntegrityError:
            raise ValidationError(_("您已举报过该内容，管理员会尽快处理。")) from None
        model.objects.filter(pk=target.pk).update(report_count=F("report_count") + 1)
        target = model.objects.select_for_update().get(pk=target.pk)
        audit_record(
            actor=by,
            action="discussion.report",
            obj=target,
            after={"reason": reason, "reports": target.report_count},
            unit_path=_path(owner),
        )
        # Reports a moderator has dismissed no longer count towards hiding.
        open_reports = target.reports.filter(resolved_at__isnull=True).count()
        if target.status == V.PUBLISHED and open_reports >= forum.hide_after_reports:
            _moderate_one(
                target,
                "hide",
                by=None,
                note=_("被 %(n)s 人举报，自动隐藏待审核") % {"n": open_reports},
                resolve_reports=False,
            )
    return report


# --- moderation -----------------------------------------------------------------------------------


def _moderate_one(
    item: Suggestion | Comment, action: str, *, by: User | None, note: str, resolve_reports: bool = True
) -> Suggestion | Comment:
    """One moderation move on a locked row; the caller holds the transaction."""
    if action == DISMISS:
        return _dismiss_reports(item, by=by, note=note)
    to = MODERATION_ACTIONS.get(action)
    if to is None or MODERATION.get(item.status, {}).get(to) != action:
        raise ValidationError(
            _("“%(item)s”当前为“%(status)s”，不能执行此操作。")
            % {"item": str(item)[:30], "status": item.get_status_display()}
        )
    before = item.status
    now = timezone.now()
    item.status = to
    item.moderated_at = now
    item.moderated_by = actor(by)
    item.moderation_note = (note or "")[:REASON_MAX]
    fields = ["status", "moderated_at", "moderated_by", "moderation_note", "updated_at"]
    first_published = to == V.PUBLISHED and item.published_at is None
    if first_published:
        item.published_at = now
        fields.append("published_at")
    item.save(update_fields=fields)
    if isinstance(item, Comment):
        delta = (to == V.PUBLISHED) - (before == V.PUBLISHED)
        if delta:
            Suggestion.objects.filter(pk=item.suggestion_id).update(comments_count=F("comments_count") + delta)
        if first_published:
            suggestion, writer = item.suggestion, item.author.user
            transaction.on_commit(
                lambda: _notify_followers(
                    suggestion, writer, _("您关注的建言有新评论：%(title)s") % {"title": suggestion.title}
                )
            )
    else:
        if to == V.PUBLISHED and item.answer_state == A.UNROUTED:
            _auto_route(item)
    search.set_public(item)
    if resolve_reports:
        item.reports.filter(resolved_at__isnull=True).update(resolved_at=now)
    owner = item if isinstance(item, Suggestion) else item.suggestion
    audit_record(
        actor=by,
        action=f"discussion.{action}",
        obj=item,
        before={"status": before},
        after={"status": to},
        note=item.moderation_note,
        unit_path=_path(owner),
    )
    return item


def _dismiss_reports(item: Suggestion | Comment, *, by: User | None, note: str) -> Suggestion | Comment:
    open_reports = item.reports.filter(resolved_at__isnull=True)
    if item.status != V.PUBLISHED or not open_reports.exists():
        raise ValidationError(_("“%(item)s”没有待处理的举报。") % {"item": str(item)[:30]})
    resolved = open_reports.update(resolved_at=timezone.now())
    owner = item if isinstance(item, Suggestion) else item.suggestion
    audit_record(
        actor=by,
        action="discussion.dismiss_reports",
        obj=item,
        after={"reports_dismissed": resolved},
        note=(note or "")[:REASON_MAX],
        unit_path=_path(owner),
    )
    return item


def moderate(*, item: Suggestion | Comment, action: str, note: str = "", by: User | None) -> Suggestion | Comment:
    """Approve, reject, hide or restore one suggestion or comment."""
    require_perm(by, "discussion.moderate", item)
    if action in ("reject", "hide") and not (note or "").strip():
        raise ValidationError({"note": _("驳回或隐藏时请写明理由，理由会告知发布人。")})
    with transaction.atomic():
        locked = type(item).objects.select_for_update().get(pk=item.pk)
        locked = _moderate_one(locked, action, by=by, note=note)
    _tell_author(locked, action)
    return locked


def moderate_many(
    *,
    suggestions: Iterable[Suggestion] = (),
    comments: Iterable[Comment] = (),
    action: str,
    note: str = "",
    by: User | None,
) -> int:
    """The same decision on many items at once, all or nothing: one item that cannot move stops the lot."""
    items: list[Suggestion | Comment] = [*suggestions, *comments]
    if not items:
        raise ValidationError(_("请至少选择一项。"))
    if action in ("reject", "hide") and not (note or "").strip():
        raise ValidationError({"note": _("驳回或隐藏时请写明理由，理由会告知发布人。")})
    for item in items:
        require_perm(by, "discussion.moderate", item)
    done: list[Suggestion | Comment] = []
    with transaction.atomic():
        for item in items:
            locked = type(item).objects.select_for_update().get(pk=item.pk)
            done.append(_moderate_one(locked, action, by=by, note=note))
    for item in done:
        _tell_author(item, action)
    return len(done)


_TELL_AUTHOR = {
    ("suggestion", "approve"): gettext_lazy("您的建言已通过审核并公开"),
    ("suggestion", "reject"): gettext_lazy("您的建言未通过审核"),
    ("suggestion", "hide"): gettext_lazy("您的建言已被隐藏"),
    ("comment", "approve"): gettext_lazy("您的评论已通过审核并公开"),
    ("comment", "reject"): gettext_lazy("您的评论未通过审核"),
    ("comment", "hide"): gettext_lazy("您的评论已被隐藏"),
}


def _tell_author(item: Suggestion | Comment, action: str) -> None:
    if action not in ("approve", "reject", "hide"):  # restoring and dismissing reports tell no one
        return
    owner = item if isinstance(item, Suggestion) else item.suggestion
    kind = "suggestion" if isinstance(item, Suggestion) else "comment"
    if item.author is None:  # offline input has no one to tell
        return
    notify(
        recipients=[item.author.user],
        title=str(_TELL_AUTHOR[(kind, action)]),
        body=item.moderation_note,
        url=reverse("discussion:suggestion", args=[owner.pk]),
        kind="discussion",
    )


# --- answers --------------------------------------------------------------------------------------


def _answer_move(suggestion: Suggestion, to: str, action: str) -> None:
    if ANSWERS.get(suggestion.answer_state, {}).get(to) != action:
        raise ValidationError(
            _("该建言当前为“%(state)s”，不能执行此操作。") % {"state": suggestion.get_answer_state_display()}
        )


def _department_users(department: Unit) -> Any:
    return users_covering(department, Role.LIAISON)


def routing_rules(campaign_id: int) -> dict[int | None, int]:
    """The campaign's routing rules: theme id (None: the default) → department id."""
    return dict(RoutingRule.objects.filter(campaign_id=campaign_id).values_list("theme_id", "department_id"))


def department_for(rules: dict[int | None, int], theme_id: int, named: int | None = None) -> int | None:
    """Who answers a suggestion: the department named on the way in (an offline import), else the
    theme's rule, else the default rule."""
    return named or rules.get(theme_id) or rules.get(None)


def _assign(suggestion: Suggestion, department_id: int, now: dt.datetime) -> None:
    suggestion.department_id = department_id
    suggestion.assigned_at = now
    suggestion.due_at = forum_of(suggestion.campaign).reply_due(suggestion.kind, now)
    suggestion.reminded_at = suggestion.urged_at = suggestion.escalated_at = None
    if suggestion.answer_state == A.UNROUTED:
        suggestion.answer_state = A.ASSIGNED
    suggestion.save(
        update_fields=[
            "department",
            "assigned_at",
            "due_at",
            "reminded_at",
            "urged_at",
            "escalated_at",
            "answer_state",
            "updated_at",
        ]
    )


def _notify_department(suggestion: Suggestion, title: str) -> None:
    if suggestion.department is None:
        return
    from django.contrib.auth import get_user_model

    notify(
        recipients=get_user_model().objects.filter(pk__in=_department_users(suggestion.department)),
        title=title,
        body=suggestion.title,
        url=reverse("discussion:suggestion", args=[suggestion.pk]),
        kind="discussion",
        email=True,
    )


def _auto_route(suggestion: Suggestion) -> None:
    """Route a newly published suggestion by its theme's rule, else the campaign's default rule."""
    department = department_for(routing_rules(suggestion.campaign_id), suggestion.theme_id, suggestion.department_id)
    if department is None:
        return
    _assign(suggestion, department, timezone.now())
    _suggestion_audit(
        suggestion,
        "route",
        None,
        before={"answer_state": A.UNROUTED},
        after={"answer_state": suggestion.answer_state, "department": department},
        note=_("按分办规则自动交办"),
    )
    transaction.on_commit(lambda: _notify_department(suggestion, _("新交办建言，请按时答复")))


def suggestion_route(*, suggestion: Suggestion, department: Unit, by: User | None, note: str = "") -> Suggestion:
    """The office routes (or re-routes) a suggestion to a department; the reply deadline starts now."""
    require_perm(by, "discussion.route", suggestion)
    if not department.path.startswith(suggestion.campaign.root_unit.path):
        raise ValidationError({"department": _("承办单位应在本次活动的组织范围内。")})
    with transaction.atomic():
        locked = (
            Suggestion.objects.select_for_update(of=("self",))
            .select_related("campaign__root_unit")
            .get(pk=suggestion.pk)
        )
        if locked.status != V.PUBLISHED:
            raise ValidationError(_("建言公开后才能交办。"))
        target = A.ASSIGNED if locked.answer_state == A.UNROUTED else locked.answer_state
        _answer_move(locked, target, "route")
        before = snapshot(locked, ["answer_state", "department", "due_at"])
        _assign(locked, department.pk, timezone.now())
        _suggestion_audit(
            locked,
            "route",
            by,
            before=before,
            after=snapshot(locked, ["answer_state", "department", "due_at"]),
            note=note,
        )
        transaction.on_commit(lambda: _notify_department(locked, _("新交办建言，请按时答复")))
    return locked


def _notify_followers(suggestion: Suggestion, by: User | None, title: str, *, author: bool = False) -> None:
    from django.contrib.auth import get_user_model

    wanted = Q(discussion_follows__suggestion=suggestion)
    if author and suggestion.author_id:
        wanted |= Q(participant__pk=suggestion.author_id)
    followers = get_user_model().objects.filter(pk__in=get_user_model().objects.filter(wanted).values("pk"))
    if by is not None:
        followers = followers.exclude(pk=by.pk)
    notify(
        recipients=followers,
        title=title,
        url=reverse("discussion:suggestion", args=[suggestion.pk]),
        kind="discussion",
    )


def reply_create(*, suggestion: Suggestion, body: str, by: User | None) -> Reply:
    """The department's answer: published at once; the author and followers are told."""
    require_perm(by, "discussion.reply", suggestion)
    body = _clean_body(body, "body", _("答复内容"), "reply", minimum=10)
    with transaction.atomic():
        locked = (
            Suggestion.objects.select_for_update(of=("self",))
            .select_related("campaign__root_unit", "department")
            .get(pk=suggestion.pk)
        )
        if locked.status != V.PUBLISHED:
            raise ValidationError(_("建言公开后才能答复。"))
        if locked.department is None:
            raise ValidationError(_("请先将建言交办给承办单位，再以承办单位名义答复。"))
        require_perm(by, "discussion.reply", locked)  # the department it has now, not the caller's copy
        _answer_move(locked, A.REPLIED, "reply")
        now = timezone.now()
        reply = Reply.objects.create(suggestion=locked, department=locked.department, author=actor(by), body=body)
        before = locked.answer_state
        locked.answer_state = A.REPLIED
        locked.replied_at = now
        locked.last_activity_at = now
        locked.save(update_fields=["answer_state", "replied_at", "last_activity_at", "updated_at"])
        search.index(reply)
        _suggestion_audit(
            locked,
            "reply",
            by,
            before={"answer_state": before},
            after={"answer_state": A.REPLIED, "reply": reply.pk},
        )
        transaction.on_commit(
            lambda: _notify_followers(
                locked, by, _("您关注的建言已有答复：%(title)s") % {"title": locked.title}, author=True
            )
        )
    return reply


def reply_rate(*, reply: Reply, rating: str, note: str = "", by: User) -> Reply:
    """The author rates the latest reply; 不满意 sends the suggestion back to the department."""
    require_perm(by, "discussion.rate", reply)
    if rating not in Rating.values:
        raise ValidationError({"rating": _("请选择满意、基本满意或不满意。")})
    note = clean_text(note, "note", label=_("评价说明"), limit=REASON_MAX, required=rating == Rating.UNSATISFIED)
    with transaction.atomic():
        suggestion = (
            Suggestion.objects.select_for_update(of=("self",))
            .select_related("campaign", "department")
            .get(pk=reply.suggestion_id)
        )
        reply = Reply.objects.select_for_update().get(pk=reply.pk)
        latest = suggestion.replies.order_by("-created_at", "-pk").values_list("pk", flat=True).first()
        if reply.rating or latest != reply.pk:
            raise ValidationError(_("这条答复已评价过或已有新的答复。"))
        to = A.REOPENED if rating == Rating.UNSATISFIED else A.CLOSED
        _answer_move(suggestion, to, "rate")
        now = timezone.now()
        reply.rating, reply.rating_note, reply.rated_at = rating, note, now
        reply.save(update_fields=["rating", "rating_note", "rated_at"])
        suggestion.answer_state = to
        fields = ["answer_state", "updated_at"]
        if to == A.REOPENED:
            forum = forum_of(suggestion.campaign)
            suggestion.reopen_count += 1
            suggestion.due_at = forum.reply_due(suggestion.kind, now)
            suggestion.reminded_at = suggestion.urged_at = suggestion.escalated_at = None
            fields += ["reopen_count", "due_at", "reminded_at", "urged_at", "escalated_at"]
        suggestion.save(update_fields=fields)
        _suggestion_audit(
            suggestion,
            "rate",
            by,
            before={"answer_state": A.REPLIED},
            after={"answer_state": to, "rating": rating},
            note=note,
        )
        if to == A.REOPENED:
            transaction.on_commit(lambda: _notify_department(suggestion, _("群众对答复不满意，建言已退回重新办理")))
    return reply


# --- reminders, 催办 and escalation ---------------------------------------------------------------


def _claim(qs: Any, stamp: str, now: dt.datetime) -> dict[int, list[int]]:
    """Mark the rows of ``qs`` with ``stamp`` (locking them, skipping any another run holds);
    returns their ids by department."""
    rows = list(qs.select_for_update(skip_locked=True).values_list("pk", "department_id"))
    if not rows:
        return {}
    Suggestion.objects.filter(pk__in=[pk for pk, _dept in rows]).update(**{stamp: now})
    by_department: dict[int, list[int]] = {}
    for pk, department_id in rows:
        by_department.setdefault(department_id, []).append(pk)
    return by_department


def _leaders_of(department: Unit) -> Any:
    from django.contrib.auth import get_user_model

    users = get_user_model().objects
    return users.filter(
        Q(pk__in=_department_users(department))
        | Q(person__unit=department, person__is_leading_cadre=True, person__is_active=True)
    )


def reminders_send(*, now: dt.datetime | None = None) -> dict[str, int]:
    """Before the deadline a reminder to the department; the day after it a 催办 to its head; after
    ``escalate_days`` more days a 督办 to the office. Each suggestion is reminded, chased and escalated
    once per deadline, whatever the number of runs; each department gets one digest per kind."""
    from django.contrib.auth import get_user_model

    user_model = get_user_model()
    now = now or timezone.now()
    start_of_today = timezone.localtime(now).replace(hour=0, minute=0, second=0, microsecond=0)
    sent = {"remind": 0, "urge": 0, "escalate": 0}
    inbox = reverse("discussion:inbox")
    for forum in Forum.objects.filter(campaign__status=CampaignStatus.ACTIVE).select_related("campaign"):
        owed = Suggestion.objects.filter(
            campaign_id=forum.campaign_id,
            status=V.PUBLISHED,
            answer_state__in=[A.ASSIGNED, A.REOPENED],
            department__isnull=False,
        )
        with transaction.atomic():
            soon = _claim(
                owed.filter(
                    reminded_at__isnull=True, due_at__gt=now, due_at__lte=now + dt.timedelta(days=forum.remind_days)
                ),
                "reminded_at",
                now,
            )
            late = _claim(owed.filter(urged_at__isnull=True, due_at__lt=start_of_today), "urged_at", now)
            escalate = _claim(
                owed.filter(
                    escalated_at__isnull=True, due_at__lt=start_of_today - dt.timedelta(days=forum.escalate_days)
                ),
                "escalated_at",
                now,
            )
            departments = {u.pk: u for u in Unit.objects.filter(pk__in={*soon, *late, *escalate})}
            for department_id, ids in soon.items():
                department = departments[department_id]
                sent["remind"] += notify(
                    recipients=user_model.objects.filter(pk__in=_department_users(department)),
                    title=_("答复提醒：%(unit)s有 %(n)s 条群众建言将在 %(days)s 天内到期")
                    % {"unit": department.name, "n": len(ids), "days": forum.remind_days},
                    url=inbox,
                    kind="discussion",
                    email=True,
                )
            for department_id, ids in late.items():
                department = departments[department_id]
                sent["urge"] += notify(
                    recipients=_leaders_of(department),
                    title=_("催办：%(unit)s有 %(n)s 条群众建言已超过答复期限")
                    % {"unit": department.name, "n": len(ids)},
                    body=_("请督促尽快答复。"),
                    url=inbox,
                    kind="discussion",
                    email=True,
                )
            for department_id, ids in escalate.items():
                department = departments[department_id]
                sent["escalate"] += notify(
                    recipients=user_model.objects.filter(pk__in=office_users_covering(department)),
                    title=_("督办：%(unit)s有 %(n)s 条群众建言逾期 %(days)s 天以上仍未答复")
                    % {"unit": department.name, "n": len(ids), "days": forum.escalate_days},
                    url=reverse("discussion:office") + "?overdue=1",
                    kind="discussion",
                    email=True,
                )
            entries = [
                AuditEntry(
                    action=f"discussion.{stamp}",
                    object_type=Suggestion._meta.label,
                    object_id=str(pk),
                    actor_label="system",
                    unit_path=departments[department_id].path,
                )
                for stamp, groups in (("remind", soon), ("urge", late), ("escalate", escalate))
                for department_id, ids in groups.items()
                for pk in ids
            ]
            audit_record_many(entries)
    return sent
