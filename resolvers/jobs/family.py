"""Background jobs (gateway/jobs.py): the platform's own family, with the ``job(id)``
root field that every family's 202 answers point to. No routes or scopes of its own:
each family's REST dialect renders its jobs in its own terms."""

from __future__ import annotations

from gateway.family import FamilyManifest
from resolvers.jobs.schema import Query

JOBS = FamilyManifest(name="jobs", query=Query)
