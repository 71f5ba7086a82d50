"""No secret appears in any output: every command, every format, every file written, the data file.

The secrets are every value declarate wrote to `.declarate/secrets/` (API key values, a service
account's client secret), keys made with the SDK (one handed to declarate through `api_key_env`,
one that is another project's and so refused), and the organization's client secret declarate
authenticates with. Every byte of stdout, stderr and every file the commands wrote is searched.
The local control plane's data file holds hashes only; its bootstrap client secret is the
documented exception (it is printed by `serve` and kept so a restart keeps the credentials).
"""

from __future__ import annotations

from collections.abc import Iterable
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from declarate.local import running_server
from tests.e2e.harness import Cli, Run, Sdk, cli_env
from tests.reliability.estate import secret_files

CONFIG = """
kind: Organization
service_accounts:
  - name: deploy-bot
role_bindings:
  - service_account: deploy-bot
    role: OrgMember
---
kind: Project
name: team-a
indexes:
  - name: recs
    dimension: 8
api_keys:
  - name: recs-service
    roles: [DataPlaneEditor]
  - name: recs-admin
    roles: [ControlPlaneEditor]
role_bindings:
  - service_account: deploy-bot
    role: ProjectViewer
---
kind: Project
name: team-b
api_key_env: TEAM_B_KEY
indexes:
  - name: search
    dimension: 16
"""

ONE_MORE_KEY = """
---
kind: Project
name: team-c
api_keys:
  - name: late-key
    roles: [DataPlaneViewer]
"""

BROKEN = """
kind: Project
name: team-z
indexes:
  - name: Bad_Name
    dimension: 0
"""


def fragments(secret: str) -> list[str]:
    """The secret, and a slice of its middle: a truncated print leaks too."""
    middle = len(secret) // 2
    return [secret, secret[middle - 8 : middle + 8]]


def leaks(secrets: Iterable[str], texts: dict[str, str]) -> list[str]:
    """`where: which secret` for each secret fragment found in a text (never the secret itself)."""
    found = []
    for number, secret in enumerate(secrets):
        for where, text in texts.items():
            if any(f in text for f in fragments(secret)):
                found.append(f"{where}: secret #{number}")
    return found


def written_files(root: Path) -> dict[str, str]:
    """Every file under `root` except the secrets directory, read as text whatever its bytes."""
    secrets_dir = root / ".declarate" / "secrets"
    return {
        str(p.relative_to(root)): p.read_bytes().decode("utf-8", "replace")
        for p in root.rglob("*")
        if p.is_file() and secrets_dir not in p.parents
    }


def test_no_secret_appears_in_any_output_format_or_written_file(tmp_path: Path) -> None:
    with running_server(ready_after=0) as server:
        sdk = Sdk(server)
        sdk.admin.projects.create(name="team-b")
        team_b_key = str(
            sdk.admin.api_keys.create(
                project_id=sdk.project_id("team-b"), name="b-own", roles=["ProjectEditor"]
            ).value
        )
        cli = Cli(tmp_path, cli_env(server))
        cli.write("config/all.yaml", CONFIG)
        env = {"TEAM_B_KEY": team_b_key}
        github = {**env, "GITHUB_ACTIONS": "true", "GITHUB_STEP_SUMMARY": str(tmp_path / "summary.md")}

        runs: dict[str, Run] = {"apply": cli("apply", "-f", "config", "--auto-approve", extra_env=env)}
        assert runs["apply"].code == 0, runs["apply"].output
        # A saved plan that creates one more key, applied from the file.
        cli.write("later/all.yaml", CONFIG + ONE_MORE_KEY)
        runs["plan --out"] = cli("plan", "-f", "later", "--out", "saved/plan.json", extra_env=env)
        runs["apply PLAN"] = cli("apply", "saved/plan.json", extra_env=env)
        assert runs["apply PLAN"].code == 0, runs["apply PLAN"].output
        sdk.control("team-a")  # an SDK key of team-a, handed to team-b by mistake below
        [foreign_key] = sdk.key_values()
        cli.write("broken/bad.yaml", BROKEN)

        commands: dict[str, tuple[tuple[str, ...], dict[str, str]]] = {
            "apply again": (("apply", "-f", "later", "--auto-approve"), env),
            "validate": (("validate", "-f", "later"), env),
            "validate broken (github)": (("validate", "-f", "broken"), github),
            "export": (("export",), env),
            "export -o": (("export", "-o", "exported"), env),
            "plan (github)": (("plan", "-f", "later", "--detailed-exitcode"), github),
            "drift (github)": (("drift", "-f", "later", "--format", "markdown"), github),
            "plan wrong key": (("plan", "-f", "later"), {"TEAM_B_KEY": foreign_key}),
        }
        for fmt in ("text", "json", "markdown"):
            commands[f"plan {fmt}"] = (("plan", "-f", "later", "--format", fmt), env)
            commands[f"drift {fmt}"] = (("drift", "-f", "later", "--format", fmt), env)
        with ThreadPoolExecutor(max_workers=3) as pool:
            futures = {
                name: pool.submit(cli, *args, extra_env=extra) for name, (args, extra) in commands.items()
            }
            runs.update({name: future.result() for name, future in futures.items()})

    assert runs["plan (github)"].code == 0, runs["plan (github)"].output
    assert runs["validate broken (github)"].code == 1
    assert "::error " in runs["validate broken (github)"].stderr  # annotations go to stderr
    assert runs["plan wrong key"].code == 1
    assert (tmp_path / "summary.md").read_text().strip()
    assert (tmp_path / "exported").is_dir()
    stored = [p.read_text() for p in secret_files(tmp_path)]
    assert len(stored) == 4  # recs-service, recs-admin, late-key and deploy-bot's client secret
    secrets = [*stored, team_b_key, *sdk.key_values(), server.client_secret]
    assert all(len(s) >= 32 for s in secrets)

    texts = {f"{name} stdout": run.stdout for name, run in runs.items()}
    texts |= {f"{name} stderr": run.stderr for name, run in runs.items()}
    texts |= written_files(tmp_path)
    assert "saved/plan.json" in texts and "summary.md" in texts
    assert leaks(secrets, {"a secret file": stored[0]}) != []  # the search finds what it looks for
    assert leaks(secrets, texts) == []


def test_local_data_file_holds_no_key_value_or_client_secret(tmp_path: Path) -> None:
    data = tmp_path / "data" / "control-plane.db"
    data.parent.mkdir()
    work = tmp_path / "work"
    work.mkdir()
    with running_server(ready_after=0, db_path=str(data)) as server:
        cli = Cli(work, cli_env(server))
        cli.write("config/all.yaml", CONFIG.replace("api_key_env: TEAM_B_KEY\n", ""))
        applied = cli("apply", "-f", "config", "--auto-approve")
        assert applied.code == 0, applied.output
        sdk = Sdk(server)
        sdk.control("team-a").list_indexes()  # mints an SDK key too
        # The bootstrap client secret is left out: it is the documented exception.
        secrets = [p.read_text() for p in secret_files(work)] + sdk.key_values()
    assert len(secrets) == 4
    stored = b"".join(p.read_bytes() for p in data.parent.iterdir())  # the database, its WAL and shm
    assert [n for n, s in enumerate(secrets) if s.encode() in stored] == []
