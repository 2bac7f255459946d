"""The selection compiler (issue 14): a root list field whose selected subtree maps to
columns and relations becomes one SQL statement whose JSON the database builds.

A runtime part of the gateway, beside the plan cache: the families declare, next to
their Strawberry types, which fields are columns and relations (``spec``); the compiler
reads those declarations and the operation (``build``, ``render``) and the executor
hands the database's JSON to the response (``run``). Whatever is not declared falls back
to the type's own resolver, field by field.
"""
