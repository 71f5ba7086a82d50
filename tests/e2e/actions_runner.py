"""A small stand-in for the GitHub Actions runner: runs a workflow's `run:` steps as GitHub would.

Used by `test_ci_workflows.py` and `test_action.py` to execute the example workflows in `examples/ci/`
and the repository's own action (`action.yml`) against a served local control plane: each selected
step runs under `bash --noprofile --norc -eo pipefail` (what `shell: bash` means on GitHub) with
`GITHUB_ACTIONS=true`, its own `GITHUB_OUTPUT` file and a shared `GITHUB_STEP_SUMMARY`, and the
workflow's `env:` evaluated against repository variables and secrets. A step that uses declarate's
action runs the action's composite `run:` steps with its `with:` inputs (and `actions/setup-python`
skipped: this interpreter is the Python). It evaluates only the `${{ }}` forms the examples use and
only `if: always()`; anything else fails loudly rather than being guessed. It never calls GitHub:
other `uses:` steps are not run.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from tests import forked_cli
from tests.e2e.harness import cli_env

REPO = Path(__file__).resolve().parents[2]
CI = REPO / "examples" / "ci"
QUICKSTART = REPO / "examples" / "quickstart"
ACTION = REPO / "action.yml"
# How the examples refer to this repository's action: `OWNER/declarate@REF`.
USES_DECLARATE = re.compile(r"^[\w.-]+/declarate@[\w.-]+$")

# A command line (not a comment) that runs a declarate subcommand.
INVOKES_DECLARATE = re.compile(
    r"^[^#\n]*?(?<![\w/-])declarate\s+(validate|plan|apply|drift|export|schema)\b", re.MULTILINE
)
EXPRESSION = re.compile(r"\$\{\{\s*(.*?)\s*\}\}")


def load_workflow(name: str) -> dict[Any, Any]:
    return dict(yaml.safe_load((CI / name).read_text()))


def triggers(workflow: Mapping[Any, Any]) -> dict[str, Any]:
    # YAML 1.1 reads a bare `on` key as True; GitHub reads it as "on".
    found = workflow.get("on", workflow.get(True))
    return dict(found) if isinstance(found, dict) else {str(found): None}


def only_job(workflow: Mapping[str, Any]) -> dict[str, Any]:
    (job,) = workflow["jobs"].values()
    return dict(job)


def uses_declarate(step: Mapping[str, Any]) -> bool:
    return bool(USES_DECLARATE.match(str(step.get("uses", ""))))


def declarate_steps(workflow: Mapping[str, Any]) -> list[dict[str, Any]]:
    """The steps that run declarate: through the action, or with `declarate ...` in a script."""
    return [
        s
        for s in only_job(workflow)["steps"]
        if uses_declarate(s) or INVOKES_DECLARATE.search(s.get("run", ""))
    ]


def load_action() -> dict[str, Any]:
    return dict(yaml.safe_load(ACTION.read_text()))


def evaluate(text: str, contexts: Mapping[str, Any]) -> str:
    """`${{ a.b || 'literal' }}` expressions of the forms the workflows use, against `contexts`."""

    def one(match: re.Match[str]) -> str:
        for operand in (part.strip() for part in match.group(1).split("||")):
            if operand.startswith("'") and operand.endswith("'"):
                value: Any = operand[1:-1]
            else:
                value = contexts
                for segment in operand.split("."):
                    assert isinstance(value, Mapping), f"unsupported expression: {match.group(0)}"
                    value = value.get(segment, "")
            if value:
                return str(value)
        return ""

    return EXPRESSION.sub(one, text)


def read_outputs(path: Path) -> dict[str, str]:
    """`name=value` lines of a GITHUB_OUTPUT file."""
    if not path.exists():
        return {}
    return dict(line.split("=", 1) for line in path.read_text().splitlines() if "=" in line)


@dataclass
class StepRun:
    name: str
    code: int
    stdout: str
    stderr: str
    outputs: dict[str, str]

    @property
    def output(self) -> str:
        return self.stdout + self.stderr


@dataclass
class Runner:
    """Runs a workflow's declarate steps in `workspace` (a checkout), as the runner would."""

    workspace: Path
    server: Any
    variables: dict[str, str] = field(default_factory=dict)

    def __post_init__(self) -> None:
        self.workspace.mkdir(parents=True, exist_ok=True)
        self.temp = self.workspace.parent / f"{self.workspace.name}-runner-temp"  # outside the checkout
        self.temp.mkdir(exist_ok=True)
        self.summary = self.temp / "step-summary.md"
        self.summary.touch()
        self.secrets = {
            "PINECONE_CLIENT_ID": self.server.client_id,
            "PINECONE_CLIENT_SECRET": self.server.client_secret,
            "DECLARATE_PLAN_KEY": "plan-signing-key-of-the-test-repository",
        }

    def checkout(self, config: Path = QUICKSTART, folder: str = "config") -> Path:
        shutil.copytree(config, self.workspace / folder)
        return self.workspace / folder

    def run(self, workflow_name: str, also: tuple[str, ...] = ()) -> list[StepRun]:
        """The declarate steps (and the steps named in `also`) in order, until one fails.

        After a failure only `if: always()` steps run, as on GitHub.
        """
        workflow = load_workflow(workflow_name)
        job = only_job(workflow)
        assert workflow["defaults"]["run"]["shell"] == "bash"
        contexts: dict[str, Any] = {
            "vars": self.variables,
            "secrets": self.secrets,
            "runner": {"temp": str(self.temp)},
            "github": {"token": "not-used"},
            "steps": {},
        }
        shared = {k: evaluate(str(v), contexts) for k, v in {**workflow["env"], **job.get("env", {})}.items()}
        contexts["env"] = shared
        chosen = [s for s in job["steps"] if s in declarate_steps(workflow) or s["name"] in also]
        runs: list[StepRun] = []
        for index, step in enumerate(chosen):
            condition = step.get("if")
            assert condition in (None, "always()"), f"the test runner does not evaluate `if: {condition}`"
            if runs and runs[-1].code != 0 and condition != "always()":
                continue
            env = {**shared, **{k: evaluate(str(v), contexts) for k, v in step.get("env", {}).items()}}
            if uses_declarate(step):
                inputs = {k: evaluate(str(v), contexts) for k, v in step.get("with", {}).items()}
                run = self.run_action(inputs, env, name=step["name"])
            else:
                run = self._bash(step["name"], step["run"], env, self.workspace)
            contexts["steps"][step.get("id", f"step{index}")] = {"outputs": run.outputs}
            runs.append(run)
        return runs

    def run_action(self, inputs: Mapping[str, str], env: Mapping[str, str], name: str = "action") -> StepRun:
        """Run `action.yml` as a step `uses:` it, `with:` these inputs and `env:`: its outputs, its log.

        The composite steps run in order until one fails; `actions/setup-python` is skipped. The
        result's code is the failing step's (0 when all passed) and its outputs are the action's.
        """
        action = load_action()
        unknown = set(inputs) - set(action["inputs"])
        assert not unknown, f"the action has no input {sorted(unknown)}"
        contexts: dict[str, Any] = {
            "inputs": {k: str(v.get("default", "")) for k, v in action["inputs"].items()} | dict(inputs),
            "github": {"action_path": str(REPO)},
            "steps": {},
        }
        code, stdout, stderr = 0, "", ""
        for index, each in enumerate(action["runs"]["steps"]):
            if "uses" in each:
                assert each["uses"].startswith("actions/setup-python@"), each["uses"]
                continue
            assert each["shell"] == "bash"
            step_env = {**env, **{k: evaluate(str(v), contexts) for k, v in each.get("env", {}).items()}}
            cwd = self.workspace / evaluate(str(each.get("working-directory", ".")), contexts)
            done = self._bash(f"{name}: {each['name']}", each["run"], step_env, cwd, f"action-{index}")
            stdout, stderr = stdout + done.stdout, stderr + done.stderr
            contexts["steps"][each.get("id", f"step{index}")] = {"outputs": done.outputs}
            if done.code != 0:
                code = done.code
                break
        outputs = {k: evaluate(str(v["value"]), contexts) for k, v in action["outputs"].items()}
        return StepRun(name, code, stdout, stderr, outputs)

    def _bash(self, name: str, script_text: str, env: Mapping[str, str], cwd: Path, tag: str = "") -> StepRun:
        """One `shell: bash` step, as GitHub runs it, with its own GITHUB_OUTPUT file."""
        self._count = getattr(self, "_count", 0) + 1
        outputs = self.temp / f"output-{self._count}{tag}"
        script = self.temp / f"step-{self._count}{tag}.sh"
        script.write_text(script_text)
        done = subprocess.run(
            ["bash", "--noprofile", "--norc", "-eo", "pipefail", str(script)],
            cwd=cwd,
            env={
                **self._base_env(),
                **env,
                "GITHUB_OUTPUT": str(outputs),
                "GITHUB_STEP_SUMMARY": str(self.summary),
            },
            capture_output=True,
            text=True,
            timeout=300,
            check=False,
        )
        assert "Traceback" not in done.stderr, done.stderr
        return StepRun(name, done.returncode, done.stdout, done.stderr, read_outputs(outputs))

    def _base_env(self) -> dict[str, str]:
        env = {k: v for k, v in cli_env(None).items() if not k.startswith("RUNNER_")}
        # `declarate`: the console script of this interpreter (else `python -m declarate.cli`),
        # importing this checkout of declarate, forked from the harness's pre-imported helper.
        bin_dir = Path(sys.executable).parent
        script = bin_dir / "declarate"
        shims = {"declarate": forked_cli.shim_line(script if script.exists() else None)}
        if not (bin_dir / "python").exists():
            shims["python"] = f'exec "{sys.executable}" "$@"'
        for command, line in shims.items():
            shim = self.temp / "bin" / command
            shim.parent.mkdir(exist_ok=True)
            shim.write_text(f"#!/bin/sh\n{line}\n")
            shim.chmod(0o755)
        env["PATH"] = os.pathsep.join([str(self.temp / "bin"), str(bin_dir), env.get("PATH", "")])
        env["PYTHONPATH"] = str(REPO)
        env.update(GITHUB_ACTIONS="true", RUNNER_TEMP=str(self.temp), GITHUB_WORKSPACE=str(self.workspace))
        return env


def step(runs: list[StepRun], name: str) -> StepRun:
    (found,) = [r for r in runs if r.name == name]
    return found
