"""Who a panel account is, as the use cases see it: what sign-in gives and every check of
scope reads. Apart from storage/admin_users/ so that the modules built on accounts (API
tokens) can use it without importing account management."""

from __future__ import annotations

from dataclasses import dataclass

from storage.models import AdminRole, AdminUser


@dataclass(frozen=True, slots=True)
class Identity:
    id: int
    username: str
    role: AdminRole
    commune_code: str
    province_code: str
    display_name: str = ""

    @property
    def name(self) -> str:
        """The display name, or the username when there is none."""
        return self.display_name or self.username


def identity_of(user: AdminUser) -> Identity:
    return Identity(
        user.id,
        user.username,
        user.role,
        user.commune_code,
        user.province_code,
        user.display_name,
    )
