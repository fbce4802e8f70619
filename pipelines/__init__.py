"""Dagster pipelines of the hub: ingestion, the city generator, derived datasets."""
