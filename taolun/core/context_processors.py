"""Navigation by role: each entry is shown only to those whose rules allow it."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from taolun.accounts.selectors import role_scopes

# (url name, label, permission or None for every signed-in user)
NAV_ITEMS: list[tuple[str, Any, str | None]] = [
    ("home", _("首页"), ""),
    ("campaigns:list", _("活动方案"), "campaigns.manage_campaigns"),
    ("activities:list", _("活动安排"), "activities.plan_activities"),
    ("activities:mine", _("我的活动"), ""),
    ("research:list", _("调研课题"), "research.browse_topics"),
    ("research:mine", _("我的调研课题"), "research.lead_topic"),
    ("problems:ledger", _("问题清单"), "problems.browse_ledger"),
    ("problems:mine", _("我的整改"), "problems.work_on_tasks"),
    ("problems:self_exam", _("自我剖析"), "problems.examine_self"),
    ("articles:mine", _("我的心得文章"), "articles.write"),
    ("articles:review_queue", _("文章审阅"), "articles.review_queue"),
    ("articles:list", _("心得文章"), "articles.browse_articles"),
    ("articles:publish_queue", _("优秀文章发布"), "articles.publish_queue"),
    ("articles:references", _("比对文库"), "articles.manage_references"),
    ("discussion:index", _("网上大讨论"), ""),
    ("discussion:moderation", _("讨论审核"), "discussion.moderation_queue"),
    ("discussion:inbox", _("建言办理"), "discussion.inbox"),
    ("orgs:unit_tree", _("组织机构"), "orgs.browse_units"),
    ("orgs:person_list", _("人员名册"), "orgs.browse_units"),
    ("orgs:roster_import", _("名册导入"), "orgs.browse_units"),
    ("accounts:role_list", _("角色分配"), "accounts.assign_roles"),
    ("core:audit_list", _("审计日志"), "core.view_audit"),
]


def navigation(request: HttpRequest) -> dict[str, Any]:
    user = getattr(request, "user", None)
    items = []
    unread = 0
    if user is not None and user.is_authenticated:
        for name, label, perm in NAV_ITEMS:
            if perm is None or perm == "" or user.has_perm(perm):
                items.append({"url": reverse(name), "label": label, "active": request.path == reverse(name)})
        unread = user.notifications.filter(read_at__isnull=True).count()
    else:
        items.append({"url": reverse("home"), "label": _("首页"), "active": request.path == "/"})
        discussion = reverse("discussion:index")
        items.append({"url": discussion, "label": _("网上大讨论"), "active": request.path == discussion})
    return {
        "nav_items": items,
        "unread_notifications": unread,
        "user_roles": sorted(role_scopes(user)) if user is not None else [],
    }
