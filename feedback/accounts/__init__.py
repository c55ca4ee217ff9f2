"""Staff accounts: users with a role and a scope, server-side sessions, sign-in throttling
and the append-only audit log of sign-ins and staff changes."""
