"""A hypothesis fuzz of hostile names through plan and apply against the local control plane.

Names the API accepts may hold `/`, `:`, `%`, brackets, quotes, Markdown and HTML, and any script.
Whatever they hold, apply creates exactly the declared objects under exactly those names, the next plan
is empty, and the printed text stays inert (no control character reaches the terminal). Shrinking
is off: each example runs the CLI three times, and an unshrunk counterexample is still a bug.
"""

from __future__ import annotations

import json
import tempfile
from pathlib import Path

from hypothesis import HealthCheck, Phase, example, given, settings
from hypothesis import strategies as st

from declarate.local import running_server
from tests.e2e.harness import Cli, Sdk, cli_env

SPECIALS = st.sampled_from([*"/:%[]`|<>&\\\"'#*_ ", "%2F", "%25", "</details>", "[bold]", "${X}"])
PIECES = st.text(
    alphabet=st.characters(
        blacklist_categories=["Cc", "Cs", "Cf", "Zl", "Zp"], blacklist_characters="\ufffe\uffff"
    ),
    min_size=1,
    max_size=6,
)
NAMES = (
    st.lists(PIECES | SPECIALS, min_size=1, max_size=5)
    .map("".join)
    .map(str.strip)
    .filter(lambda n: 0 < len(n) <= 60 and "${" not in n)
)


@settings(
    max_examples=6,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow],
    phases=[Phase.explicit, Phase.generate],
)
@given(project=NAMES, key=NAMES, account=NAMES)
@example(project="team/index/prod-idx", key="[bold]</details>|x", account="a%2Fb:c")
def test_hostile_names_plan_apply_and_replan_cleanly(project: str, key: str, account: str) -> None:
    config = (
        "kind: Organization\n"
        f"service_accounts:\n  - name: {json.dumps(account, ensure_ascii=False)}\n"
        "---\n"
        "kind: Project\n"
        f"name: {json.dumps(project, ensure_ascii=False)}\n"
        "indexes:\n  - name: recs\n    dimension: 8\n"
        f"api_keys:\n  - name: {json.dumps(key, ensure_ascii=False)}\n    roles: [ProjectViewer]\n"
    )
    with tempfile.TemporaryDirectory() as work, running_server(ready_after=0) as server:
        cli = Cli(Path(work), cli_env(server))
        cli.write("config/all.yaml", config)
        applied = cli("apply", "-f", "config", "--auto-approve")
        assert applied.code == 0, applied.output
        replanned = cli("plan", "-f", "config", "--detailed-exitcode")
        assert replanned.code == 0, replanned.output
        for text in (applied.output, replanned.output):
            assert "\x1b" not in text and "\r" not in text

        sdk = Sdk(server)
        projects = [p.name for p in sdk.admin.projects.list()]
        assert project in projects
        keys = [k.name for k in sdk.admin.api_keys.list(project_id=sdk.project_id(project))]
        assert keys.count(key) == 1
        assert [a.name for a in sdk.admin.service_accounts.list()].count(account) == 1
        assert [i.name for i in sdk.control(project).list_indexes()] == ["recs"]
