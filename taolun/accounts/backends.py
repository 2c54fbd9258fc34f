"""Sign-in by password, without Django's model permissions.

Every permission in Taolun is a named rule (django-rules, in each app's ``rules.py``) that reads the
login roles; the per-model ``add_/change_/view_`` permission tables are not used. Leaving them out of
the sign-in backend keeps a denied rule from costing two permission-table queries per request.
"""

from __future__ import annotations

from typing import Any

from django.contrib.auth.backends import ModelBackend


class PasswordBackend(ModelBackend):
    def get_user_permissions(self, user_obj: Any, obj: Any = None) -> set[str]:
        return set()

    def get_group_permissions(self, user_obj: Any, obj: Any = None) -> set[str]:
        return set()

    def get_all_permissions(self, user_obj: Any, obj: Any = None) -> set[str]:
        return set()
