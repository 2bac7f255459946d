"""Organisations, departments and users as the schema shows them."""
