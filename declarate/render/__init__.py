"""Views over pure data: a Plan, diagnostics or apply results in, a `str` out.

Renderers never compute anything about a plan (no diffing, no safety decisions), never print and never
touch the network; the cli decides where their text goes. Secrets are masked by field name
(`masking.py`), never by searching rendered text for values.
"""
