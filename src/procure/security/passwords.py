"""Password rules and hashing with argon2id (argon2-cffi's defaults follow RFC 9106).

A new password (an account created by an administrator, the command line, the setup import or
an organization's registration) must be at least MIN_PASSWORD_LENGTH characters, must not be one
of the 20,000 most common passwords (data/README.md says where the list comes from) and must not
contain the user's own username or name, nor the platform's name (OWASP ASVS 5.0 V6.2: length,
a breached-password list, context-specific words; no composition rules).
"""

from __future__ import annotations

import gzip
from collections.abc import Iterable
from functools import lru_cache
from pathlib import Path

import anyio.to_thread
from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

from procure.errors import InvalidInput
from procure.i18n import N_

_hasher = PasswordHasher()

MIN_PASSWORD_LENGTH = 10
COMMON_PASSWORDS_FILE = Path(__file__).parent / "data" / "common-passwords.txt.gz"
#: Words of the platform itself that no password may contain (ASVS "context-specific words").
CONTEXT_WORDS = ("procure",)
#: A username or a part of a name shorter than this is not looked for inside a password (a
#: two-character Chinese name is: it is a whole name).
MIN_CONTAINED = 3

TOO_SHORT = N_("must be at least %(min)s characters")
TOO_COMMON = N_(
    "is one of the %(count)s most common passwords, which are tried first: choose another"
)
CONTAINS_USERNAME = N_("must not contain the username (%(username)s)")
CONTAINS_NAME = N_("must not contain the user's name (%(name)s)")
CONTAINS_CONTEXT = N_("must not contain the platform's name (%(word)s)")


@lru_cache(maxsize=1)
def common_passwords() -> frozenset[str]:
    with gzip.open(COMMON_PASSWORDS_FILE, "rt", encoding="utf-8") as lines:
        return frozenset(line.strip() for line in lines if line.strip())


def _name_parts(name: str) -> set[str]:
    """The whole name and its words (a Western name's given and family names)."""
    name = name.strip().casefold()
    parts = {word for word in name.replace("·", " ").split() if len(word) >= MIN_CONTAINED}
    return {name, *parts} if name else parts


def password_problem(
    password: str, *, username: str = "", names: Iterable[str] = ()
) -> InvalidInput | None:
    """Why ``password`` may not be set for this user, or None. The error's message is a catalog
    message, so a page shows it in the reader's language."""
    if len(password) < MIN_PASSWORD_LENGTH:
        return InvalidInput("password", TOO_SHORT, min=MIN_PASSWORD_LENGTH)
    folded = password.strip().casefold()
    common = common_passwords()
    if folded in common:
        return InvalidInput("password", TOO_COMMON, count=f"{len(common):,}")
    user = username.strip()
    if len(user) >= MIN_CONTAINED and user.casefold() in folded:
        return InvalidInput("password", CONTAINS_USERNAME, username=user)
    for name in names:
        if any(len(part) >= 2 and part in folded for part in _name_parts(name)):
            return InvalidInput("password", CONTAINS_NAME, name=name.strip())
    for word in CONTEXT_WORDS:
        if word in folded:
            return InvalidInput("password", CONTAINS_CONTEXT, word=word)
    return None


def check_password(password: str, *, username: str = "", names: Iterable[str] = ()) -> None:
    """Raise the reason ``password`` may not be set (see password_problem)."""
    problem = password_problem(password, username=username, names=names)
    if problem is not None:
        raise problem


# A hash to verify against when the user does not exist, so timing does not reveal usernames.
_DUMMY_HASH = _hasher.hash("procure-dummy-password")


def hash_password(password: str) -> str:
    return _hasher.hash(password)


def verify_password(password_hash: str | None, password: str) -> bool:
    try:
        return _hasher.verify(password_hash or _DUMMY_HASH, password) and password_hash is not None
    except (VerificationError, InvalidHashError):
        return False


async def verify_password_async(password_hash: str | None, password: str) -> bool:
    """Argon2 is deliberately slow: verify off the event loop."""
    return await anyio.to_thread.run_sync(verify_password, password_hash, password)


async def hash_password_async(password: str) -> str:
    return await anyio.to_thread.run_sync(hash_password, password)
