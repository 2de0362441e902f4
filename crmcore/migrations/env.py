"""Alembic's environment for every lineage: the core's and each extension's (see ``environment``)."""
from alembic import context

from crmcore.migrations.environment import run

run(context)
