"""Specifications of the config layers: rules, normalization, workspace settings and the pipeline."""
