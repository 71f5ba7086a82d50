"""Wire shapes: what a request body must look like before any rule is applied.

``schema`` is the small deserializer (types, required and unknown fields, discriminators) and
``bodies`` holds one shape per request schema of the specs. Semantic rules live in
``field_rules`` and ``control.index_config``; responses are rendered by each family's handlers.
"""
