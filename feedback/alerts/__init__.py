"""Alerts for staff: urgent comments, sharp drops at a counter, flagged counter-hours;
acknowledged by a user; optionally POSTed to an agency's webhook."""
