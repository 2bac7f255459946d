"""Webhooks (issue 11): endpoints an organisation registers, and the deliveries of the
events it wants, each with its attempts. ``delivery.py`` is the worker that sends them."""
