"""The typed audit actions: every recorded change names one of these."""

from enum import StrEnum


class AuditAction(StrEnum):
    user_created = "user.created"
    user_login = "user.login"
    user_login_failed = "user.login_failed"
    user_logout = "user.logout"
    api_token_created = "api_token.created"
    api_token_revoked = "api_token.revoked"
    demo_loaded = "demo.loaded"
