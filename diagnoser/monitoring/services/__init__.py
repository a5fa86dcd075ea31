"""Writes of the monitoring app, split by concern (runs, drift, schedules, alerts)."""
