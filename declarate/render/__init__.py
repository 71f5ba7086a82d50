"""Views over pure data: a Plan, diagnostics or apply results in, a `str` out.

Renderers never compute anything about a plan (no diffing, no safety decisions), never print and never
touch the network; the cli decides where their text goes. Known credential values are masked by value
(`masking.py`), and names and values from config or live state are escaped (`escape.py`).
"""
