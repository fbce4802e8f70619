"""Alembic's environment for this package's registry tables (see `catalog.schema`)."""

from catalog.schema import run_env

run_env()
