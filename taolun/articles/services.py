"""Writes for reflection articles: write and save drafts, submit, review, mark excellent, publish.

Every write checks its named rule (``by=None`` is the system), runs in one transaction and appends an
audit entry on the article. Status moves go through ``TRANSITIONS``; one article per author per
campaign is the database's rule, said in words here first. A submission is checked for copied
passages by a task (``tasks.check_article``) once the transaction commits.
"""

from __future__ import annotations

import datetime as dt
import math
import re
from collections.abc import Iterable
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Count
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _
from django.utils.translation import pgettext

from taolun.accounts.models import Role, RoleAssignment
from taolun.accounts.selectors import users_covering
from taolun.campaigns.models import Campaign, Theme
from taolun.core.permissions import require_perm
from taolun.core.services import actor, audit_record, changed, clean_text, notify, required_reason, snapshot
from taolun.orgs.models import Person

from .models import (
    ASSIGNABLE,
    Article,
    ArticleCall,
    ArticleReview,
    ArticleRevision,
    ArticleStatus,
    AssignMode,
    ReviewAction,
    RevisionKind,
)
from .selectors import call_of

if TYPE_CHECKING:
    from taolun.accounts.models import User

S = ArticleStatus
ARTICLE_FIELDS = [
    "title",
    "status",
    "reviewer",
    "thought_score",
    "practice_score",
    "suggestions_score",
    "score",
    "consent_public",
]
# Whatever a campaign's call allows, no article is longer than this (the database and the detector).
HARD_MAX_CHARS = 100_000
# Saves by the same person within this time fold into one draft revision (autosave every few seconds).
REVISION_SITTING = dt.timedelta(minutes=10)
COMMENT_LIMIT = 5000

# The one door for status moves: {from: {to: action}}.
TRANSITIONS: dict[str, dict[str, str]] = {
    S.DRAFT: {S.SUBMITTED: "submit"},
    S.SUBMITTED: {S.RETURNED: "return", S.APPROVED: "approve", S.DRAFT: "withdraw"},
    S.RETURNED: {S.SUBMITTED: "submit"},
    S.APPROVED: {S.EXCELLENT: "excellent"},
    S.EXCELLENT: {S.APPROVED: "unexcellent", S.PUBLISHED: "publish"},
    S.PUBLISHED: {S.EXCELLENT: "unpublish"},
}

_CONTROL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f\ufffe\uffff]")


def article_audit(
    article: Article, action: str, by: User | None, *, before: Any = None, after: Any = None, note: str = ""
) -> None:
    audit_record(
        actor=by,
        action=f"articles.{action}",
        obj=article,
        before=before,
        after=after,
        note=note,
        unit_path=article.unit.path,
    )


def _locked(article: Article) -> Article:
    return Article.objects.select_for_update().select_related("unit", "campaign", "author").get(pk=article.pk)


def _check_move(article: Article, to: str, action: str | None = None) -> str:
    """The name of the move from the article's status to ``to``; refused unless the table has it (and,
    when given, under the name ``action``: unmarking an excellent article never approves a submitted one)."""
    found = TRANSITIONS.get(article.status, {}).get(to)
    if found is None or (action is not None and found != action):
        raise ValidationError(
            _("文章当前状态为“%(status)s”，不能改为“%(to)s”。")
            % {"status": article.get_status_display(), "to": ArticleStatus(to).label}
        )
    return found


def _move(
    article: Article,
    to: str,
    by: User | None,
    *,
    note: str = "",
    before: dict[str, Any] | None = None,
    action: str | None = None,
) -> None:
    action = _check_move(article, to, action)
    old = {"status": article.status, **(before or {})}
    article.status = to
    article.save()
    new = {k: v for k, v in snapshot(article, ARTICLE_FIELDS).items() if k in old}
    article_audit(article, action, by, before=old, after={**new, "status": to}, note=note)


def clean_body(value: Any) -> str:
    """The article's text with line ends unified and control characters removed."""
    text = str(value or "").replace("\r\n", "\n").replace("\r", "\n")
    return _CONTROL.sub("", text).strip()


def count_chars(text: str) -> int:
    """Characters that count towards the length: everything but whitespace."""
    return sum(1 for char in text if not char.isspace())


def _clean_article(call: ArticleCall, title: Any, body: Any) -> tuple[str, str]:
    title = clean_text(clean_body(title).replace("\n", " "), "title", label=_("标题"), limit=200)
    text = clean_body(body)
    limit = min(call.max_chars, HARD_MAX_CHARS)
    if count_chars(text) > limit or len(text) > HARD_MAX_CHARS * 2:
        raise ValidationError(
            {
                "body": _("正文 %(n)s 字，超过上限 %(limit)s 字，请精简后再保存。")
                % {"n": count_chars(text), "limit": limit}
            }
        )
    return title, text


def _themes(campaign: Campaign, themes: Iterable[Theme]) -> list[Theme]:
    themes = list(themes)
    if any(theme.campaign_id != campaign.pk for theme in themes):
        raise ValidationError({"themes": _("讨论主题不属于本次大讨论。")})
    return themes


def _revision_save(article: Article, by: User | None, kind: str) -> ArticleRevision:
    """Keep the article's current text as a revision: a new one, or the latest draft of this sitting."""
    now = timezone.now()
    latest = article.revisions.order_by("-number").first()
    same = (
        latest is not None
        and kind == RevisionKind.DRAFT
        and latest.kind == RevisionKind.DRAFT
        and latest.created_by_id == (by.pk if by is not None else None)
        and now - latest.created_at < REVISION_SITTING
    )
    if same and latest is not None:
        latest.title, latest.body, latest.chars, latest.saved_at = article.title, article.body, article.chars, now
        latest.save(update_fields=["title", "body", "chars", "saved_at"])
        return latest
    if latest is not None and latest.title == article.title and latest.body == article.body and latest.kind == kind:
        return latest
    return ArticleRevision.objects.create(
        article=article,
        number=(latest.number + 1) if latest is not None else 1,
        kind=kind,
        title=article.title,
        body=article.body,
        chars=article.chars,
        created_at=now,
        saved_at=now,
        created_by=actor(by),
    )


def article_start(
    *,
    campaign: Campaign,
    author: Person,
    by: User | None,
    title: str = "",
    body: str = "",
    themes: Iterable[Theme] = (),
    consent_public: bool = False,
) -> Article:
    """Start the author's article (a draft). A second article for the same author and campaign is refused."""
    require_perm(by, "articles.add_article", author)
    if not author.is_active or not (author.is_party_member or author.is_cadre or author.is_leading_cadre):
        raise ValidationError(
            {"author": _("“%(name)s”不是在册的党员干部，不需要撰写心得体会文章。") % {"name": author.name}}
        )
    if not author.unit.path.startswith(campaign.root_unit.path):
        raise ValidationError({"author": _("“%(name)s”不在本次大讨论的范围内。") % {"name": author.name}})
    existing = Article.objects.filter(campaign=campaign, author=author).first()
    if existing is not None:
        raise ValidationError(
            {
                "author": _("%(name)s 在本次大讨论中已有文章“%(title)s”：每人撰写一篇。")
                % {"name": author.name, "title": existing}
            }
        )
    call = call_of(campaign)
    title, text = _clean_article(call, title, body)
    article = Article(
        campaign=campaign,
        author=author,
        unit=author.unit,
        title=title,
        body=text,
        chars=count_chars(text),
        consent_public=bool(consent_public),
        saved_at=timezone.now(),
    )
    chosen = _themes(campaign, themes)
    try:
        with transaction.atomic():
            article.save()
            article.themes.set(chosen)
            _revision_save(article, by, RevisionKind.DRAFT)
            article_audit(article, "create", by, after={"title": article.title, "chars": article.chars})
    except IntegrityError as exc:
        # Two requests raced past the check above: the database's constraint decides.
        raise ValidationError(
            {"author": _("%(name)s 在本次大讨论中已有文章：每人撰写一篇。") % {"name": author.name}}
        ) from exc
    return article


def article_save(
    *,
    article: Article,
    by: User | None,
    title: str,
    body: str,
    themes: Iterable[Theme] | None = None,
    consent_public: bool | None = None,
) -> Article:
    """Save the draft (by hand or automatically): the text, themes and consent; a revision is kept."""
    require_perm(by, "articles.change_article", article)
    with transaction.atomic():
        article = _locked(article)
        if not article.is_editable:
            raise ValidationError(_("文章%(status)s，不能再修改。") % {"status": article.get_status_display()})
        call = call_of(article.campaign)
        new_title, text = _clean_article(call, title, body)
        chosen = _themes(article.campaign, themes) if themes is not None else None
        before = {"title": article.title, "chars": article.chars, "consent_public": article.consent_public}
        text_changed = new_title != article.title or text != article.body
        article.title, article.body, article.chars = new_title, text, count_chars(text)
        if consent_public is not None:
            article.consent_public = bool(consent_public)
        theme_ids = sorted(t.pk for t in chosen) if chosen is not None else None
        old_themes = sorted(article.themes.values_list("pk", flat=True)) if chosen is not None else None
        after = {"title": article.title, "chars": article.chars, "consent_public": article.consent_public}
        old, new = changed(before, after)
        if not text_changed and not old and not new and theme_ids == old_themes:
            return article
        article.saved_at = timezone.now()
        article.save()
        if chosen is not None and theme_ids != old_themes:
            article.themes.set(chosen)
            old["themes"], new["themes"] = old_themes, theme_ids
        revision_started = False
        if text_changed:
            latest = article.revisions.order_by("-number").values_list("number", flat=True).first()
            revision_started = _revision_save(article, by, RevisionKind.DRAFT).number != latest
        # Autosaves in one sitting are one audit entry's worth: the revision keeps the text. An entry is
        # written when a sitting starts a new revision, or the title, consent or themes change.
        if revision_started or set(old) - {"chars"} or set(new) - {"chars"}:
            article_audit(article, "save", by, before=old, after=new)
    return article


def _deadline_passed(call: ArticleCall) -> bool:
    return timezone.now() > call.deadline


def _deadline_text(call: ArticleCall) -> str:
    return date_format(timezone.localtime(call.deadline), "DATETIME_FORMAT")


def reviewer_candidates(article: Article) -> list[int]:
    """Ids of the reviewers who may review ``article``: the reviewer role over its unit, not the author."""
    users = users_covering(article.unit, Role.REVIEWER).filter(user__is_active=True)
    if article.author.user_id:
        users = users.exclude(user_id=article.author.user_id)
    return list(users)


def _auto_reviewer(article: Article, call: ArticleCall) -> int | None:
    """The least-loaded eligible reviewer: nearest to the unit (by unit) or any covering one (the pool)."""
    candidates = reviewer_candidates(article)
    if not candidates:
        return None
    if call.assign_mode == AssignMode.UNIT:
        depth: dict[int, int] = {}
        for user_id, path in RoleAssignment.objects.filter(user_id__in=candidates, role=Role.REVIEWER).values_list(
            "user_id", "unit__path"
        ):
            if path is None or article.unit.path.startswith(path):
                depth[user_id] = max(depth.get(user_id, -1), len(path or ""))
        nearest = max(depth.values())
        candidates = [u for u, d in depth.items() if d == nearest]
    load = dict(
        Article.objects.filter(reviewer_id__in=candidates, status=S.SUBMITTED)
        .order_by()
        .values("reviewer_id")
        .annotate(n=Count("id"))
        .values_list("reviewer_id", "n")
    )
    return min(candidates, key=lambda u: (load.get(u, 0), u))


def article_submit(*, article: Article, by: User | None) -> Article:
    """Hand the article in before the deadline (a returned one may come back later); a reviewer is
    assigned and the copy check is queued."""
    require_perm(by, "articles.change_article", article)
    with transaction.atomic():
        article = _locked(article)
        _check_move(article, S.SUBMITTED, "submit")
        call = call_of(article.campaign)
        if article.status == S.DRAFT and _deadline_passed(call):
            raise ValidationError(
                _("提交截止时间（%(deadline)s）已过，不能再提交。如有特殊情况请联系督查室。")
                % {"deadline": _deadline_text(call)}
            )
        errors: dict[str, str] = {}
        limit = min(call.max_chars, HARD_MAX_CHARS)
        if not article.title:
            errors["title"] = _("请填写标题。")
        if not article.chars:
            errors["body"] = _("请填写正文。")
        elif article.chars < call.min_chars:
            errors["body"] = _("正文 %(n)s 字，少于要求的 %(min)s 字。") % {"n": article.chars, "min": call.min_chars}
        elif article.chars > limit:
            errors["body"] = _("正文 %(n)s 字，超过上限 %(limit)s 字。") % {"n": article.chars, "limit": limit}
        if errors:
            raise ValidationError(errors)
        revision = _revision_save(article, by, RevisionKind.SUBMISSION)
        before = {"reviewer": article.reviewer_id}
        if article.reviewer_id is None or article.reviewer_id not in reviewer_candidates(article):
            article.reviewer_id = _auto_reviewer(article, call)
        article.submitted_at = timezone.now()
        article.ratio, article.flagged, article.checked_at = None, False, None
        _move(
            article,
            S.SUBMITTED,
            by,
            note=_("第 %(n)s 版") % {"n": revision.number},
            before=before,
            action="submit",
        )
        _notify_reviewer(article)
        article_id, revision_id = article.pk, revision.pk
        # robust: the submission is committed whatever happens to its check (a broker that is down, a
        # check run in-process failing); the task retries on OSError and a re-check catches up.
        transaction.on_commit(lambda: _queue_check(article_id, revision_id), robust=True)
    return article


def _queue_check(article_id: int, revision_id: int) -> None:
    from .tasks import check_article

    check_article.delay(article_id=article_id, revision_id=revision_id)


def _notify_reviewer(article: Article) -> None:
    from taolun.accounts.models import User

    if article.reviewer_id is None:
        recipients = User.objects.filter(pk__in=users_covering(article.unit, Role.OFFICE))
        title = _("有心得体会文章待分配审阅人：%(title)s") % {"title": article.title}
    else:
        recipients = User.objects.filter(pk=article.reviewer_id)
        title = _("有心得体会文章待您审阅：%(title)s") % {"title": article.title}
    notify(
        recipients=recipients,
        title=title,
        body=_("作者：%(name)s（%(unit)s）") % {"name": article.author.name, "unit": article.unit.name},
        url=article.get_absolute_url(),
        kind="article",
        dedupe_key=f"article-submit:{article.pk}:{article.submitted_at:%Y%m%d%H%M%S%f}",
    )


def _notify_author(article: Article, title: str, body: str = "") -> None:
    from taolun.accounts.models import User

    if not article.author.user_id:
        return
    notify(
        recipients=User.objects.filter(pk=article.author.user_id),
        title=title,
        body=body,
        url=article.get_absolute_url(),
        kind="article",
        email=True,
    )


def article_withdraw(*, article: Article, by: User | None) -> Article:
    """Take a submitted article back to the draft before it is reviewed and before the deadline."""
    require_perm(by, "articles.change_article", article)
    with transaction.atomic():
        article = _locked(article)
        _check_move(article, S.DRAFT, "withdraw")
        call = call_of(article.campaign)
        if _deadline_passed(call):
            raise ValidationError(_("提交截止时间已过，已提交的文章不能再撤回。"))
        _move(article, S.DRAFT, by, action="withdraw")
    return article


def _latest_submission(article: Article) -> ArticleRevision | None:
    return article.revisions.filter(kind=RevisionKind.SUBMISSION).order_by("-number").first()


def article_return(*, article: Article, by: User | None, comment: str) -> Article:
    """Return the article to its author for revision, with comments they will see."""
    require_perm(by, "articles.review_article", article)
    comment = required_reason(comment, _("请写明退回修改的意见。"), field="comment", limit=COMMENT_LIMIT)
    with transaction.atomic():
        article = _locked(article)
        _check_move(article, S.RETURNED, "return")
        ArticleReview.objects.create(
            article=article,
            revision=_latest_submission(article),
            action=ReviewAction.RETURN,
            comment=comment,
            reviewer=actor(by),
        )
        article.decided_at, article.decided_by = timezone.now(), actor(by)
        _move(article, S.RETURNED, by, note=comment[:500], action="return")
        _notify_author(article, _("您的心得体会文章被退回修改：%(title)s") % {"title": article.title}, comment)
    return article


def _score(value: Any, field: str, label: str, maximum: int) -> int:
    """A whole number of points in 0..maximum (``"35"`` and ``35.0`` too; ``35.5``, ``True``, ``""`` not)."""
    whole = (
        (isinstance(value, int) and not isinstance(value, bool))
        or (isinstance(value, float | Decimal) and math.isfinite(value) and value == int(value))
        or (isinstance(value, str) and re.fullmatch(r"\s*[+-]?\d{1,6}\s*", value) is not None)
    )
    if not whole:
        raise ValidationError({field: _("请给“%(label)s”打分（0–%(max)s 分）。") % {"label": label, "max": maximum}})
    score = int(value)
    if not 0 <= score <= maximum:
        raise ValidationError({field: _("“%(label)s”的分数应在 0–%(max)s 分之间。") % {"label": label, "max": maximum}})
    return score


def article_approve(
    *, article: Article, by: User | None, thought: Any, practice: Any, suggestions: Any, comment: str = ""
) -> Article:
    """Approve the article with a score on each of the plan's three dimensions."""
    require_perm(by, "articles.review_article", article)
    with transaction.atomic():
        article = _locked(article)
        _check_move(article, S.APPROVED, "approve")
        call = call_of(article.campaign)
        errors: dict[str, list[str]] = {}
        scores: dict[str, int] = {}
        for field, value, label, maximum in (
            ("thought_score", thought, _("思想认识"), call.thought_max),
            ("practice_score", practice, _("实践感悟"), call.practice_max),
            ("suggestions_score", suggestions, pgettext("article score", "意见建议"), call.suggestions_max),
        ):
            try:
                scores[field] = _score(value, field, label, maximum)
            except ValidationError as error:
                errors.update(error.message_dict)
        if errors:
            raise ValidationError(errors)
        comment = clean_text(comment, "comment", label=_("审阅意见"), limit=COMMENT_LIMIT)
        before = snapshot(article, ["thought_score", "practice_score", "suggestions_score", "score"])
        for field, score in scores.items():
            setattr(article, field, score)
        article.score = sum(scores.values())
        article.decided_at, article.decided_by = timezone.now(), actor(by)
        ArticleReview.objects.create(
            article=article,
            revision=_latest_submission(article),
            action=ReviewAction.APPROVE,
            comment=comment,
            score=article.score,
            reviewer=actor(by),
        )
        _move(article, S.APPROVED, by, note=comment[:500], before=before, action="approve")
        _notify_author(
            article,
            _("您的心得体会文章已审核通过：%(title)s") % {"title": article.title},
            _("得分 %(score)s / %(full)s。") % {"score": article.score, "full": call.full_score}
            + (("\n" + comment) if comment else ""),
        )
    return article


def article_mark_excellent(*, article: Article, by: User | None, comment: str = "") -> Article:
    """Mark an approved article excellent (优秀); the publicity staff are told when it may be published."""
    require_perm(by, "articles.review_article", article)
    comment = clean_text(comment, "comment", label=_("推荐理由"), limit=COMMENT_LIMIT)
    with transaction.atomic():
        article = _locked(article)
        _check_move(article, S.EXCELLENT, "excellent")
        ArticleReview.objects.create(
            article=article,
            revision=_latest_submission(article),
            action=ReviewAction.EXCELLENT,
            comment=comment,
            score=article.score,
            reviewer=actor(by),
        )
        _move(article, S.EXCELLENT, by, note=comment[:500], action="excellent")
        _notify_author(article, _("您的心得体会文章被评为优秀：%(title)s") % {"title": article.title})
        if article.consent_public:
            _notify_publicity(article)
    return article


def _notify_publicity(article: Article) -> None:
    """Tell the publicity staff covering the author's unit that an excellent article may be published."""
    from taolun.accounts.models import User

    notify(
        recipients=User.objects.filter(pk__in=users_covering(article.unit, Role.PUBLICITY)),
        title=_("有优秀心得体会文章可以发布：%(title)s") % {"title": article.title},
        url=article.get_absolute_url(),
        kind="article",
    )


def article_unmark_excellent(*, article: Article, by: User | None, reason: str) -> Article:
    require_perm(by, "articles.review_article", article)
    reason = required_reason(reason, _("请写明取消优秀的原因。"))
    with transaction.atomic():
        article = _locked(article)
        _move(article, S.APPROVED, by, note=reason, action="unexcellent")
    return article


def article_publish(*, article: Article, by: User | None) -> Article:
    """Publish an excellent article on the public site; only with the author's consent."""
    require_perm(by, "articles.publish_article", article)
    with transaction.atomic():
        article = _locked(article)
        _check_move(article, S.PUBLISHED, "publish")
        if not article.consent_public:
            raise ValidationError(_("作者尚未同意公开这篇文章，不能发布。"))
        article.published_at, article.published_by = timezone.now(), actor(by)
        _move(article, S.PUBLISHED, by, action="publish")
        _notify_author(article, _("您的心得体会文章已在网站发布：%(title)s") % {"title": article.title})
    return article


def article_unpublish(*, article: Article, by: User | None, reason: str) -> Article:
    require_perm(by, "articles.publish_article", article)
    reason = required_reason(reason, _("请写明撤下的原因。"))
    with transaction.atomic():
        article = _locked(article)
        _check_move(article, S.EXCELLENT, "unpublish")
        article.published_at, article.published_by = None, None
        _move(article, S.EXCELLENT, by, note=reason, action="unpublish")
    return article


def article_set_consent(*, article: Article, by: User | None, consent: bool) -> Article:
    """The author gives or withdraws consent to publication; withdrawing takes a published article down."""
    require_perm(by, "articles.change_article", article)
    with transaction.atomic():
        article = _locked(article)
        if article.consent_public == bool(consent):
            return article
        before = {"consent_public": article.consent_public}
        article.consent_public = bool(consent)
        if not consent and article.status == S.PUBLISHED:
            article.published_at, article.published_by = None, None
            _move(article, S.EXCELLENT, by, note=_("作者撤回公开同意"), before=before, action="unpublish")
        else:
            article.save()
            article_audit(article, "consent", by, before=before, after={"consent_public": article.consent_public})
            if article.consent_public and article.status == S.EXCELLENT:
                _notify_publicity(article)  # it was marked excellent before the author consented
    return article


def article_assign(*, article: Article, by: User | None, reviewer: User) -> Article:
    """The office assigns (or reassigns) the article's reviewer."""
    require_perm(by, "articles.assign_reviewer", article)
    with transaction.atomic():
        article = _locked(article)
        if article.status not in ASSIGNABLE:
            raise ValidationError(_("文章%(status)s，不能再更换审阅人。") % {"status": article.get_status_display()})
        if reviewer.pk not in reviewer_candidates(article):
            raise ValidationError(
                {"reviewer": _("“%(name)s”不是覆盖作者单位的审阅人（或就是作者本人）。") % {"name": reviewer}}
            )
        if article.reviewer_id == reviewer.pk:
            return article
        before = {"reviewer": article.reviewer_id}
        article.reviewer = reviewer
        article.save()
        article_audit(article, "assign", by, before=before, after={"reviewer": reviewer.pk})
        if article.status == S.SUBMITTED:
            _notify_reviewer(article)
    return article


def assign_unassigned(*, campaign: Campaign, by: User | None) -> int:
    """Give every submitted article without a reviewer one (after reviewers were added); how many got one."""
    require_perm(by, "articles.assign_reviewer", campaign)
    call = call_of(campaign)
    count = 0
    for article in (
        Article.objects.filter(campaign=campaign, status=S.SUBMITTED, reviewer__isnull=True)
        .select_related("unit", "author")
        .order_by("submitted_at", "pk")[:2000]
    ):
        reviewer_id = _auto_reviewer(article, call)
        if reviewer_id is None:
            continue
        with transaction.atomic():
            updated = Article.objects.filter(pk=article.pk, reviewer__isnull=True, status=S.SUBMITTED).update(
                reviewer_id=reviewer_id
            )
            if updated:
                article.reviewer_id = reviewer_id
                article_audit(article, "assign", by, before={"reviewer": None}, after={"reviewer": reviewer_id})
                _notify_reviewer(article)
                count += 1
    return count


CALL_FIELDS = [
    "deadline",
    "min_chars",
    "max_chars",
    "flag_threshold",
    "assign_mode",
    "thought_max",
    "practice_max",
    "suggestions_max",
]


def call_update(*, campaign: Campaign, by: User | None, **fields: Any) -> ArticleCall:
    """Set the campaign's call for articles (deadline, length, threshold, reviewer assignment, scoring)."""
    require_perm(by, "articles.manage_call", campaign)
    unknown = set(fields) - set(CALL_FIELDS)
    if unknown:
        raise ValidationError(_("这些字段不能在这里修改：%(fields)s") % {"fields": "、".join(sorted(unknown))})
    with transaction.atomic():
        call = call_of(campaign)
        before = snapshot(call, CALL_FIELDS) if call.pk else {}
        for name, value in fields.items():
            if isinstance(value, float):
                value = Decimal(repr(value))  # 0.35 from JSON is 0.35, not 0.34999…
            setattr(call, name, value)
        if isinstance(call.flag_threshold, float):
            call.flag_threshold = Decimal(repr(call.flag_threshold))
        call.updated_by = actor(by)
        try:
            call.full_clean(exclude=["campaign", "updated_by"])
        except ValidationError as error:
            raise ValidationError(error.message_dict) from None
        if call.min_chars > call.max_chars:
            raise ValidationError({"min_chars": _("最少字数不能大于最多字数。")})
        if call.max_chars > HARD_MAX_CHARS:
            raise ValidationError({"max_chars": _("最多字数不能超过 %(n)s。") % {"n": HARD_MAX_CHARS}})
        call.save()
        old, new = changed(before, snapshot(call, CALL_FIELDS))
        audit_record(
            actor=by,
            action="articles.call",
            obj=call,
            before=old,
            after=new,
            unit_path=campaign.root_unit.path,
        )
    return call
