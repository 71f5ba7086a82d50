"""A small stand-in for the GitHub Actions runner: runs a workflow's `run:` steps as GitHub would.

Used by `test_ci_workflows.py` to execute the example workflows in `examples/ci/` against a served
local control plane: each selected step runs under `bash --noprofile --norc -eo pipefail` (what
`shell: bash` means on GitHub) with `GITHUB_ACTIONS=true`, its own `GITHUB_OUTPUT` file and a shared
`GITHUB_STEP_SUMMARY`, and the workflow's `env:` evaluated against repository variables and secrets.
It evaluates only the `${{ }}` forms the examples use and only `if: always()`; anything else fails
loudly rather than being guessed. It never calls GitHub: `uses:` steps are not run.
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

from tests.e2e.harness import cli_env

REPO = Path(__file__).resolve().parents[2]
CI = REPO / "examples" / "ci"
QUICKSTART = REPO / "examples" / "quickstart"

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


def declarate_steps(workflow: Mapping[str, Any]) -> list[dict[str, Any]]:
    return [s for s in only_job(workflow)["steps"] if INVOKES_DECLARATE.search(s.get("run", ""))]


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
        chosen = [s for s in job["steps"] if s in declarate_steps(workflow) or s["name"] in also]
        runs: list[StepRun] = []
        for index, step in enumerate(chosen):
            condition = step.get("if")
            assert condition in (None, "always()"), f"the test runner does not evaluate `if: {condition}`"
            if runs and runs[-1].code != 0 and condition != "always()":
                continue
            outputs = self.temp / f"output-{index}"
            env = {
                **self._base_env(),
                **shared,
                **{k: evaluate(str(v), contexts) for k, v in step.get("env", {}).items()},
                "GITHUB_OUTPUT": str(outputs),
                "GITHUB_STEP_SUMMARY": str(self.summary),
            }
            script = self.temp / f"step-{index}.sh"
            script.write_text(step["run"])
            # What `shell: bash` runs on GitHub.
            done = subprocess.run(
                ["bash", "--noprofile", "--norc", "-eo", "pipefail", str(script)],
                cwd=self.workspace,
                env=env,
                capture_output=True,
                text=True,
                timeout=300,
                check=False,
            )
            assert "Traceback" not in done.stderr, done.stderr
            run = StepRun(step["name"], done.returncode, done.stdout, done.stderr, read_outputs(outputs))
            contexts["steps"][step.get("id", f"step{index}")] = {"outputs": run.outputs}
            runs.append(run)
        return runs

    def _base_env(self) -> dict[str, str]:
        env = {k: v for k, v in cli_env(None).items() if not k.startswith("RUNNER_")}
        # The `declarate` console script of this interpreter, importing this checkout of declarate.
        bin_dir = Path(sys.executable).parent
        if not (bin_dir / "declarate").exists():
            shim = self.temp / "bin" / "declarate"
            shim.parent.mkdir(exist_ok=True)
            shim.write_text(f'#!/bin/sh\nexec "{sys.executable}" -m declarate.cli "$@"\n')
            shim.chmod(0o755)
            bin_dir = shim.parent
        env["PATH"] = f"{bin_dir}{os.pathsep}{env.get('PATH', '')}"
        env["PYTHONPATH"] = str(REPO)
        env.update(GITHUB_ACTIONS="true", RUNNER_TEMP=str(self.temp), GITHUB_WORKSPACE=str(self.workspace))
        return env


def step(runs: list[StepRun], name: str) -> StepRun:
    (found,) = [r for r in runs if r.name == name]
    return found
