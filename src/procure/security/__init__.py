"""Users, roles, the authorization policy, sessions, API tokens and CSRF."""
