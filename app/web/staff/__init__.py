"""The staff side (`/staf`): sign-in, sessions, guards, the page shell and staff pages."""
