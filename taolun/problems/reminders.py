"""Reminders and escalation for rectification deadlines: one digest a day per person, never a flood.

Run by a periodic job (``problems.send_reminders``); running it again the same day sends nothing new
(each notice carries the day in its de-duplication key). Every recipient group is found with one query:

- owners of unfinished measures due within ``PROBLEMS_YELLOW_DAYS`` days: 即将到期;
- owners of overdue measures or of overdue problems: 已逾期;
- liaisons covering a unit with a problem overdue by ``PROBLEMS_ESCALATE_DAYS`` days or more: 督办;
- the office covering such a unit once it is overdue by twice that: 督办 to the office.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.conf import settings
from django.db.models import Exists, OuterRef, Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from taolun.accounts.models import Role, RoleAssignment, User
from taolun.core.services import notify

from .lights import yellow_days
from .models import OPEN_STATUSES, Measure, Problem


def escalate_days() -> int:
    return int(getattr(settings, "PROBLEMS_ESCALATE_DAYS", 3))


def _owners(measures: Q, problems: Q) -> Any:
    measure_owned = Measure.objects.filter(measures, owner__user=OuterRef("pk"))
    problem_owned = Problem.objects.filter(problems, owner__user=OuterRef("pk"))
    return User.objects.filter(Q(Exists(measure_owned)) | Q(Exists(problem_owned)), is_active=True)


def _covering(role: str, cutoff: dt.date) -> Any:
    """Users holding ``role`` over a unit with an open problem due before ``cutoff``."""
    late = Problem.objects.filter(status__in=OPEN_STATUSES, due_on__lt=cutoff)
    scoped = RoleAssignment.objects.filter(role=role, user=OuterRef("pk")).filter(
        Q(Exists(late), unit__isnull=True) | Q(Exists(late.filter(unit__path__startswith=OuterRef("unit__path"))))
    )
    return User.objects.filter(Exists(scoped), is_active=True)


def reminders_send(*, today: dt.date | None = None) -> dict[str, int]:
    """Send today's reminders and escalations; returns how many notices each group got (0 when already sent)."""
    today = today or timezone.localdate()
    soon = today + dt.timedelta(days=yellow_days())
    open_measure = Q(progress__lt=100, problem__status__in=OPEN_STATUSES)
    mine = reverse("problems:mine")
    sent = {
        "due_soon": notify(
            recipients=_owners(open_measure & Q(deadline__gte=today, deadline__lte=soon), Q(pk__in=[])),
            title=_("整改提醒：您负责的整改措施 %(days)s 天内到期") % {"days": yellow_days()},
            body=_("请按时推进并报告进展；确有困难的，请在时限到期前申请延期。"),
            url=mine,
            kind="problem",
            email=True,
            dedupe_key=f"problems.due_soon:{today.isoformat()}",
        ),
        "overdue": notify(
            recipients=_owners(open_measure & Q(deadline__lt=today), Q(status__in=OPEN_STATUSES, due_on__lt=today)),
            title=_("逾期提醒：您负责的整改事项已超过时限"),
            body=_("请尽快完成整改并报告进展。"),
            url=mine,
            kind="problem",
            email=True,
            dedupe_key=f"problems.overdue:{today.isoformat()}",
        ),
    }
    ledger = reverse("problems:ledger") + "?light=red"
    first = today - dt.timedelta(days=escalate_days())
    second = today - dt.timedelta(days=2 * escalate_days())
    sent["escalated_liaison"] = notify(
        recipients=_covering(Role.LIAISON, first),
        title=_("督办：您负责范围内有问题逾期 %(days)s 天以上") % {"days": escalate_days()},
        url=ledger,
        kind="problem",
        email=True,
        dedupe_key=f"problems.escalate_liaison:{today.isoformat()}",
    )
    sent["escalated_office"] = notify(
        recipients=_covering(Role.OFFICE, second),
        title=_("督办：有问题逾期 %(days)s 天以上仍未整改完成") % {"days": 2 * escalate_days()},
        url=ledger,
        kind="problem",
        email=True,
        dedupe_key=f"problems.escalate_office:{today.isoformat()}",
    )
    return sent
