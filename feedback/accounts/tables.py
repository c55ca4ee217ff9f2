"""Tables of staff accounts. Times are timezone-aware UTC."""

from __future__ import annotations

from piccolo.columns import (
    JSONB,
    Boolean,
    Bytea,
    ForeignKey,
    Integer,
    Timestamptz,
    Varchar,
)
from piccolo.columns.base import OnDelete
from piccolo.table import Table

from feedback.tables import Agency, Counter, Unit


class StaffUser(Table):
    """A staff member. `role` is officer | unit | agency | city | admin; the scope column
    that applies to the role is set (officer: counter, and its unit and agency; unit: unit
    and its agency; agency: agency; city and admin: none). Users are disabled, never
    deleted (the audit log names them)."""

    email = Varchar(length=254, unique=True)  # lower case
    name = Varchar(length=120)
    role = Varchar(length=10)
    counter = ForeignKey(on_delete=OnDelete.restrict, references=Counter, null=True,
                         default=None)
    unit = ForeignKey(on_delete=OnDelete.restrict, references=Unit, null=True, default=None)
    agency = ForeignKey(on_delete=OnDelete.restrict, references=Agency, null=True,
                        default=None)
    password_hash = Varchar(length=200)  # argon2id, PHC string
    active = Boolean(default=True)
    # Raised on password change, reset and disable: sessions of an older version are void.
    session_version = Integer(default=1)
    password_changed_at = Timestamptz()
    created_at = Timestamptz()
    last_sign_in_at = Timestamptz(null=True, default=None)
    lang = Varchar(length=2, default="id")


class StaffSession(Table):
    """A server-side session (the web's session store): opaque data under a random key,
    expiring at `expires_at` (idle timeout, renewed on access). `user_id` is read from the
    data when it names a user, so every session of a user can be revoked at once."""

    key = Varchar(length=128, unique=True)
    data = Bytea()
    user_id = Integer(null=True, default=None, index=True)
    expires_at = Timestamptz(null=True, default=None)
    created_at = Timestamptz()


class SignInThrottle(Table):
    """Failed sign-ins per key (an account's e-mail or a hashed network) in a fixed window
    that starts at the first failure; shared by every worker."""

    key = Varchar(length=300, unique=True)
    first_at = Timestamptz()
    failures = Integer(default=0)


class AuditLog(Table):
    """Append-only: every sign-in (failed ones too) and every staff change. The database
    refuses UPDATE and DELETE on this table (triggers in the migration)."""

    at = Timestamptz()
    actor_id = Integer(null=True, default=None)  # a StaffUser id; none for the CLI
    actor = Varchar(length=254)  # the actor's e-mail, or "cli"
    action = Varchar(length=40)
    object_type = Varchar(length=40)
    object_key = Varchar(length=254)
    old = JSONB(null=True, default=None)
    new = JSONB(null=True, default=None)
    network = Varchar(length=64, null=True, default=None)  # salted hash, never an address
