"""Notifications sent out of the system: e-mail through SMTP (`feedback.notify.mail`), the
case mails' delivery state (`feedback.notify.tables`). What is sent when is decided by the
features (`feedback.cases.notify` for case events)."""
