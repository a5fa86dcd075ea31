"""Abuse limits and the answers that refuse a request (see SECURITY.md)."""
