"""Password hashing: argon2id (argon2-cffi) with the OWASP Password Storage Cheat Sheet's
first recommended configuration, m = 19 MiB, t = 2, p = 1 (the RFC 9106 "low memory"
profile, 64 MiB and t = 3, costs three times as much per sign-in on a small server).
A stored hash made with other parameters is rehashed at the next successful sign-in."""

from __future__ import annotations

import asyncio

from argon2 import PasswordHasher, Type
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError

MIN_LENGTH = 12
MAX_LENGTH = 1024  # a longer "password" is a denial-of-service attempt, not a password

HASHER = PasswordHasher(time_cost=2, memory_cost=19 * 1024, parallelism=1, hash_len=32,
                        salt_len=16, type=Type.ID)
# Verified when the e-mail is unknown, so that a wrong e-mail costs as long as a wrong
# password and the answer time reveals nothing.
_DUMMY_HASH = HASHER.hash("suara-layanan-no-such-user")


class PasswordRejected(ValueError):
    """A new password that does not meet the rules (`code`: too_short | too_long)."""

    def __init__(self, code: str) -> None:
        super().__init__(code)
        self.code = code


def check_new_password(password: str) -> None:
    if len(password) < MIN_LENGTH:
        raise PasswordRejected("too_short")
    if len(password) > MAX_LENGTH:
        raise PasswordRejected("too_long")


def hash_password(password: str) -> str:
    return HASHER.hash(password)


def verify(stored_hash: str | None, password: str) -> bool:
    """Whether `password` matches (always does the work of one verification)."""
    if len(password) > MAX_LENGTH:
        password = password[:MAX_LENGTH]
    try:
        return HASHER.verify(stored_hash or _DUMMY_HASH, password) and stored_hash is not None
    except (VerifyMismatchError, VerificationError, InvalidHashError):
        return False


def needs_rehash(stored_hash: str) -> bool:
    try:
        return HASHER.check_needs_rehash(stored_hash)
    except (InvalidHashError, ValueError):
        return True


async def hash_async(password: str) -> str:
    """Hashing costs ~20-50 ms of CPU: off the event loop."""
    return await asyncio.to_thread(hash_password, password)


async def verify_async(stored_hash: str | None, password: str) -> bool:
    return await asyncio.to_thread(verify, stored_hash, password)
