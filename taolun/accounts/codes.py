"""Sign-in by one-time code (验证码) sent to a mobile phone or an e-mail address, for citizens.

The sign-up page calls, in order: ``normalise_target`` on what was typed, ``code_send`` to mail or
text a code, ``code_check`` with the code the person typed back, and ``citizen_for_target`` for the
login to sign in (found, or created with the citizen role).

Only an HMAC of each code is stored. A code lasts ``ACCOUNT_CODE_TTL_SECONDS``, works once,
survives ``ACCOUNT_CODE_MAX_ATTEMPTS`` wrong guesses, and only the newest code sent to an address
counts. Sending is rate limited per phone/e-mail address and per network address.
"""

from __future__ import annotations

import datetime as dt
import math
import re
import secrets
import unicodedata

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.mail import send_mail
from django.core.validators import validate_email
from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils import timezone
from django.utils.crypto import constant_time_compare, salted_hmac
from django.utils.translation import gettext as _

from taolun.core import ratelimit, sms
from taolun.core.services import audit_record
from taolun.orgs.masking import mask_email, mask_phone

from .models import CodeChannel, OneTimeCode, Role, RoleAssignment, User
from .selectors import forget_role_scopes
from .services import user_create

CODE_DIGITS = 6
LIMIT_WINDOW_SECONDS = 3600  # the per-target and per-address limits count codes per hour
# Rate-limit counters (taolun.core.ratelimit): per "channel:target" for the first two, per network address.
RESEND_SCOPE = "code-resend"
TARGET_SCOPE = "code-target"
ADDRESS_SCOPE = "code-ip"

_PHONE_PREFIX = re.compile(r"^(?:\+86|0086)")
_PHONE_SEPARATORS = re.compile(r"[\s\-()]")
_MAINLAND_MOBILE = re.compile(r"^1[3-9]\d{9}$")
_HASH_SALT = "taolun.accounts.codes"
TARGET_MAX_LENGTH = 254  # OneTimeCode.target and User.email


# --- addresses ----------------------------------------------------------------------------
def normalise_target(channel: str, raw: str) -> str:
    """The phone number (11 digits) or e-mail address (lower case) ``raw`` stands for.

    Full-width characters (as some input methods type them) count as their ASCII forms; a phone
    number may carry spaces, dashes and a +86 or 0086 prefix.
    """
    value = unicodedata.normalize("NFKC", raw or "").strip()
    if channel == CodeChannel.PHONE:
        number = _PHONE_PREFIX.sub("", _PHONE_SEPARATORS.sub("", value))
        if not _MAINLAND_MOBILE.match(number):
            raise ValidationError({"target": _("请输入正确的手机号：11 位数字，以 1 开头，例如 13812345678。")})
        return number
    if channel == CodeChannel.EMAIL:
        address = value.lower()
        try:
            validate_email(address)
        except ValidationError:
            raise ValidationError({"target": _("请输入正确的电子邮箱地址，例如 name@example.com。")}) from None
        if len(address) > TARGET_MAX_LENGTH:
            raise ValidationError({"target": _("电子邮箱地址太长。")})
        return address
    raise ValidationError({"channel": _("请选择通过手机号还是电子邮箱接收验证码。")})


# --- sending ------------------------------------------------------------------------------
def _code_hash(channel: str, target: str, code: str) -> str:
    return salted_hmac(_HASH_SALT, f"{channel}:{target}:{code}", algorithm="sha256").hexdigest()


def _wait_for(oldest: dt.datetime | None, window_seconds: int, now: dt.datetime) -> int:
    """Seconds until an event at ``oldest`` leaves a window of ``window_seconds`` (the whole window if unknown)."""
    if oldest is None:
        return window_seconds
    return max(1, math.ceil((oldest + dt.timedelta(seconds=window_seconds) - now).total_seconds()))


def _refuse_too_soon(seconds: int) -> ValidationError:
    if seconds <= 120:
        message = _("发送过于频繁，请在 %(seconds)s 秒后再试。") % {"seconds": seconds}
    else:
        message = _("发送次数过多，请在 %(minutes)s 分钟后再试。") % {"minutes": math.ceil(seconds / 60)}
    return ValidationError({"target": message})


def _check_limits(*, channel: str, target: str, ip: str | None, now: dt.datetime) -> None:
    """Count this request against each limit, refusing when one is used up.

    The counters live in the shared cache and are incremented before the code is made, so parallel
    requests cannot all slip under a limit. How long to wait is read from the codes already sent.
    """
    ident = f"{channel}:{target}"
    sent = OneTimeCode.objects.filter(channel=channel, target=target)
    resend = settings.ACCOUNT_CODE_RESEND_SECONDS
    if ratelimit.hit(RESEND_SCOPE, ident, window_seconds=resend) > 1:
        latest = sent.order_by("-created_at").values_list("created_at", flat=True).first()
        raise _refuse_too_soon(_wait_for(latest, resend, now))
    hour_ago = now - dt.timedelta(seconds=LIMIT_WINDOW_SECONDS)
    if ratelimit.hit(TARGET_SCOPE, ident, window_seconds=LIMIT_WINDOW_SECONDS) > settings.ACCOUNT_CODE_TARGET_LIMIT:
        oldest = sent.filter(created_at__gt=hour_ago).order_by("created_at").values_list("created_at", flat=True)
        raise _refuse_too_soon(_wait_for(oldest.first(), LIMIT_WINDOW_SECONDS, now))
    if (
        ratelimit.hit(ADDRESS_SCOPE, ip or "-", window_seconds=LIMIT_WINDOW_SECONDS)
        > settings.ACCOUNT_CODE_ADDRESS_LIMIT
    ):
        from_ip = OneTimeCode.objects.filter(ip_address=ip, created_at__gt=hour_ago)
        oldest = from_ip.order_by("created_at").values_list("created_at", flat=True)
        raise _refuse_too_soon(_wait_for(oldest.first(), LIMIT_WINDOW_SECONDS, now))


def _deliver(*, channel: str, target: str, code: str) -> None:
    site = settings.TAOLUN_SITE_NAME
    minutes = max(1, math.ceil(settings.ACCOUNT_CODE_TTL_SECONDS / 60))
    if channel == CodeChannel.PHONE:
        text = _("【%(site)s】您的验证码是 %(code)s，%(minutes)s 分钟内有效。请勿告诉他人。") % {
            "site": site,
            "code": code,
            "minutes": minutes,
        }
        transaction.on_commit(lambda: sms.send_sms(target, text))
        return
    subject = _("%(site)s 验证码：%(code)s") % {"site": site, "code": code}
    body = _(
        "您的验证码是 %(code)s，%(minutes)s 分钟内有效。请勿告诉他人。\n\n"
        "如果这不是您本人的操作，请忽略这封邮件。\n\n%(site)s"
    ) % {"site": site, "code": code, "minutes": minutes}
    transaction.on_commit(lambda: send_mail(subject, body, settings.DEFAULT_FROM_EMAIL, [target], fail_silently=False))


def code_send(*, channel: str, target: str, ip: str | None = None) -> OneTimeCode:
    """Make a new code for ``target`` and send it by text message or e-mail once the transaction commits.

    Earlier codes for the target stop working. Refused with a ValidationError on ``target`` when the
    address is malformed or a sending limit is used up (the message says how long to wait). A
    failure of the SMS backend or the mail server is raised when the message is sent, at commit.
    """
    target = normalise_target(channel, target)
    now = timezone.now()
    _check_limits(channel=channel, target=target, ip=ip, now=now)
    code = f"{secrets.randbelow(10**CODE_DIGITS):0{CODE_DIGITS}d}"
    with transaction.atomic():
        OneTimeCode.objects.filter(channel=channel, target=target, used_at__isnull=True, expires_at__gt=now).update(
            expires_at=now
        )
        one_time_code = OneTimeCode.objects.create(
            channel=channel,
            target=target,
            code_hash=_code_hash(channel, target, code),
            created_at=now,
            expires_at=now + dt.timedelta(seconds=settings.ACCOUNT_CODE_TTL_SECONDS),
            ip_address=ip,
        )
        _deliver(channel=channel, target=target, code=code)
    return one_time_code


# --- checking -----------------------------------------------------------------------------
def _refuse(message: str) -> ValidationError:
    return ValidationError({"code": message})


def _dead_reason(record: OneTimeCode, *, now: dt.datetime, limit: int) -> str | None:
    """Why ``record`` can no longer be used, or None while it can."""
    if record.used_at is not None:
        return _("该验证码已经使用过，请重新获取。")
    if record.attempts >= limit:
        return _("验证码错误次数过多，已经失效，请重新获取。")
    if record.expires_at <= now:
        return _("验证码已过期，请重新获取。")
    return None


def code_check(*, channel: str, target: str, code: str) -> None:
    """Accept ``code`` for ``target`` once, or raise a ValidationError on ``code`` saying why not.

    Only the newest code sent to the target counts. Each wrong guess is counted by a conditional
    update, so parallel guesses cannot get past ``ACCOUNT_CODE_MAX_ATTEMPTS`` between them, and
    the code is claimed by a conditional update too, so it signs in once.
    """
    target = normalise_target(channel, target)
    typed = re.sub(r"\s", "", unicodedata.normalize("NFKC", code or ""))
    if not re.fullmatch(rf"\d{{{CODE_DIGITS}}}", typed):
        raise _refuse(_("请输入收到的 %(digits)s 位数字验证码。") % {"digits": CODE_DIGITS})
    limit = settings.ACCOUNT_CODE_MAX_ATTEMPTS
    now = timezone.now()
    record = OneTimeCode.objects.filter(channel=channel, target=target).order_by("-created_at", "-pk").first()
    if record is None:
        raise _refuse(_("请先获取验证码。"))
    if reason := _dead_reason(record, now=now, limit=limit):
        raise _refuse(reason)
    live = OneTimeCode.objects.filter(pk=record.pk, used_at__isnull=True, expires_at__gt=now, attempts__lt=limit)
    if constant_time_compare(record.code_hash, _code_hash(channel, target, typed)):
        if live.update(used_at=now):
            return
    elif live.update(attempts=F("attempts") + 1):
        record.refresh_from_db(fields=["attempts"])
        if record.attempts < limit:
            raise _refuse(_("验证码不正确，还可以再试 %(left)s 次。") % {"left": limit - record.attempts})
    # Used up by this guess, or by another request between the read and the update: say how.
    record.refresh_from_db(fields=["used_at", "attempts", "expires_at"])
    raise _refuse(_dead_reason(record, now=now, limit=limit) or _("验证码已过期，请重新获取。"))


# --- the login ----------------------------------------------------------------------------
def _username_for(channel: str, target: str) -> str:
    """A free username: ``m`` and the digits for a phone, ``u`` and random letters for e-mail."""
    base = f"m{target}" if channel == CodeChannel.PHONE else f"u{secrets.token_hex(4)}"
    candidate = base
    while User.objects.filter(username__iexact=candidate).exists():
        candidate = f"{base}-{secrets.token_hex(2)}"
    return candidate


def _existing_login(channel: str, target: str) -> User | None:
    if channel == CodeChannel.PHONE:
        matches = list(User.objects.filter(phone=target).order_by("pk")[:2])
    else:
        matches = list(User.objects.filter(email__iexact=target).order_by("pk")[:2])
    if not matches:
        return None
    if len(matches) > 1:
        raise ValidationError({"target": _("该手机号或邮箱对应多个账号，无法用验证码登录，请联系管理员。")})
    user = matches[0]
    if not user.is_active:
        raise ValidationError({"target": _("该账号已停用，请联系管理员。")})
    return user


# The roles whose holders may sign in with a one-time code: citizens, and cadres taking part.
CODE_SIGN_IN_ROLES = (Role.CITIZEN, Role.CADRE)


def citizen_for_target(*, channel: str, target: str) -> tuple[User, bool]:
    """The login whose phone (``User.phone``) or e-mail (any case) is ``target``, and whether it is new.

    Without one, a login is created with no usable password, a display name that masks the
    address, and the citizen role. Call it only after ``code_check`` accepted a code for the target.
    """
    target = normalise_target(channel, target)
    user = _existing_login(channel, target)
    if user is not None:
        if RoleAssignment.objects.filter(user=user).exclude(role__in=CODE_SIGN_IN_ROLES).exists():
            # A code proves the phone or mailbox, not the password: staff accounts sign in with theirs.
            raise ValidationError({"target": _("该账号承担管理职责，请使用用户名和密码登录。")})
        return user, False
    masked = mask_phone(target) if channel == CodeChannel.PHONE else mask_email(target)
    try:
        with transaction.atomic():
            user = user_create(
                username=_username_for(channel, target),
                password=None,
                display_name=masked[:60],
                email=target if channel == CodeChannel.EMAIL else "",
                phone=target if channel == CodeChannel.PHONE else "",
                by=None,
            )
            # role_assign() is for offices and admins giving roles to others; a citizen signing
            # themselves up has no one to give it, so the assignment is written here.
            assignment = RoleAssignment.objects.create(user=user, role=Role.CITIZEN, unit=None, created_by=None)
            audit_record(
                actor=None,
                action="accounts.role.assign",
                obj=assignment,
                after={"user": user.pk, "role": Role.CITIZEN, "unit": None},
                note=_("通过验证码自行注册"),
            )
    except (IntegrityError, ValidationError):
        # The same address signed up in parallel (the phone username is taken): use that login.
        user = _existing_login(channel, target)
        if user is None:
            raise
        return user, False
    forget_role_scopes(user)
    return user, True
