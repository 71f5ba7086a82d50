"""Masking happens at rendering, by value: a tag or schema field named `secret` is ordinary data.

A saved plan once stored the literal `(sensitive)` for a tag named `secret` and applied it (a
perpetual diff followed), and a schema field named `secret` made apply crash.
"""

from __future__ import annotations

import json

from tests.e2e.harness import Cli, Sdk

CONFIG = """
kind: Project
name: team
indexes:
  - name: docs
    dimension: 8
    tags: {secret: "y", api_key: "not-a-key", value: "v"}
  - name: fields
    schema:
      fields:
        embedding: {type: dense_vector, dimension: 8, metric: cosine}
        secret: {type: string, full_text_search: {language: en}}
        value: {type: string, full_text_search: {language: en}}
"""


def test_fields_named_like_credentials_round_trip_through_a_saved_plan(cli: Cli, sdk: Sdk) -> None:
    cli.write("team.yaml", CONFIG)
    planned = cli("plan", "-f", "team.yaml", "--out", "plan.json")
    assert planned.code == 0, planned.output
    saved = (cli.cwd / "plan.json").read_text()
    assert "(sensitive)" not in saved and "[redacted]" not in saved
    assert '"secret": "y"' in saved

    applied = cli("apply", "plan.json")
    assert applied.code == 0, applied.output
    assert "AttributeError" not in applied.output

    docs = sdk.control("team").describe_index("docs")
    assert dict(docs.tags)["secret"] == "y"
    again = cli("plan", "-f", "team.yaml", "--format", "json")
    assert again.code == 0, again.output
    assert json.loads(again.stdout)["changes"] == []  # no perpetual diff
