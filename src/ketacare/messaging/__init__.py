"""Outbound messages to patients (reminders): an outbox in the database, sent by the job worker."""
