"""The incident platform's analytics (seed 001): incidents, KPIs, recurrence, cost and
heatmaps. Its REST dialect is Django REST framework's (rest_compat/incidents)."""
