"""The user's words: a plan shows each field under the path the config wrote, with its line, and
the defaults the config did not write apart from the declared fields."""

from __future__ import annotations

import json

from tests.e2e.harness import Cli

SUGAR = """
kind: Project
name: words
indexes:
  - name: recs
    dimension: {dimension}
    metric: cosine
    spec:
      serverless: {{cloud: aws, region: us-east-1}}
    tags: {{team: {team}}}
"""

CANONICAL = """
kind: Project
name: words
indexes:
  - name: recs
    schema:
      fields:
        embedding: {{type: dense_vector, dimension: {dimension}}}
    deployment: {{cloud: aws, region: us-east-1}}
    tags: {{team: {team}}}
"""


def plan(cli: Cli, *extra: str) -> str:
    run = cli("plan", "-f", "config", *extra, extra_env={"CI": "false"})
    assert run.code in (0, 3), run.output
    return run.stdout


def test_a_create_shows_declared_fields_in_the_config_words_and_defaults_apart(embedded_cli: Cli) -> None:
    embedded_cli.write("config/p.yaml", SUGAR.format(dimension=8, team="a"))
    text = plan(embedded_cli)
    index = text[text.index("+ project/words/index/recs") :]
    declared, defaults = index.split("defaults (not in the config):")
    for line in (
        "+ dimension: 8  (config/p.yaml:5)",
        '+ metric: "cosine"  (config/p.yaml:6)',
        '+ spec.serverless.region: "us-east-1"  (config/p.yaml:8)',
        '+ tags.team: "a"  (config/p.yaml:9)',
    ):
        assert line in declared, declared
    for line in ('+ deletion_protection: "disabled"', '+ read_capacity: {"mode": "OnDemand"}'):
        assert line in defaults, defaults
    assert "schema.fields._values" not in text and "deployment.region" not in text
    assert "max_pods: 0" in text.split("defaults (not in the config):")[1]  # the project's default


def test_an_update_names_the_sugar_path_and_the_json_keeps_the_canonical_path(embedded_cli: Cli) -> None:
    embedded_cli.write("config/p.yaml", SUGAR.format(dimension=8, team="a"))
    assert embedded_cli("apply", "-f", "config", "--auto-approve").code == 0
    embedded_cli.write("config/p.yaml", SUGAR.format(dimension=16, team="b"))
    text = plan(embedded_cli)
    assert "dimension: 8 -> 16  (config/p.yaml:5)" in text
    assert 'tags.team: "a" -> "b"  (config/p.yaml:9)' in text
    assert "immutable fields differ (dimension)" in text
    assert "defaults (not in the config)" not in text
    change = next(
        c
        for c in json.loads(plan(embedded_cli, "--format", "json"))["changes"]
        if c["address"] == "project/words/index/recs"
    )
    fields = {f["path"]: f for f in change["fields"]}
    assert fields["schema.fields._values.dimension"]["shown_as"] == "dimension"
    assert fields["schema.fields._values.dimension"]["source"]["line"] == 5
    assert "shown_as" not in fields["tags.team"] and "default" not in fields["tags.team"]
    markdown = plan(embedded_cli, "--format", "markdown")
    assert "+     dimension: 16  (config/p.yaml:5)" in markdown


def test_a_canonical_config_is_shown_with_canonical_paths(embedded_cli: Cli) -> None:
    embedded_cli.write("config/p.yaml", CANONICAL.format(dimension=8, team="a"))
    text = plan(embedded_cli)
    assert "+ schema.fields.embedding.dimension: 8  (config/p.yaml:7)" in text
    assert '+ deployment.region: "us-east-1"  (config/p.yaml:8)' in text
    assert "spec.serverless" not in text


def test_a_default_that_drifted_live_is_shown_apart_in_drift(embedded_cli: Cli) -> None:
    embedded_cli.write("config/p.yaml", SUGAR.format(dimension=8, team="a"))
    assert embedded_cli("apply", "-f", "config", "--auto-approve").code == 0
    protected = SUGAR.format(dimension=8, team="a") + "    deletion_protection: enabled\n"
    embedded_cli.write("config/p.yaml", protected)
    assert embedded_cli("apply", "-f", "config", "--auto-approve").code == 0
    embedded_cli.write("config/p.yaml", SUGAR.format(dimension=8, team="a"))
    drift = embedded_cli("drift", "-f", "config", extra_env={"CI": "false"})
    assert drift.code == 2, drift.output
    assert (
        '      defaults (not in the config):\n        deletion_protection: live "enabled", config "disabled"'
    ) in drift.stdout
    report = json.loads(embedded_cli("drift", "-f", "config", "--format", "json").stdout)
    (field,) = report["changed"][0]["fields"]
    assert field["path"] == "deletion_protection" and field["default"] is True
