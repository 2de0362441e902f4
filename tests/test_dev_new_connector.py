"""'crm dev new-connector NAME' writes a package that loads and passes the conformance suite as
generated: the real command writes it, and its own test file runs in a pytest subprocess with the
package loaded from its folder (not installed), as an author would before 'pip install'."""
from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest


def test_a_bad_name_or_an_existing_folder_is_refused(crm_env, tmp_path):
    bad = crm_env.invoke(["dev", "new-connector", "Acme_Book", "--dir", str(tmp_path)])
    assert bad.exit_code != 0 and "lowercase letters" in bad.output
    assert crm_env.invoke(["dev", "new-connector", "acme", "--dir", str(tmp_path)]).exit_code == 0
    again = crm_env.invoke(["dev", "new-connector", "acme", "--dir", str(tmp_path)])
    assert again.exit_code != 0 and "exists already" in again.output


@pytest.mark.slow
def test_the_generated_connector_passes_the_conformance_suite(tmp_path):
    # once, not once per backend: neither the command nor the generated suite (which runs
    # without CRM_* variables, so on SQLite) uses the CRM database a crm_env would give it
    crm = shutil.which("crm", path=str(Path(sys.executable).parent)) or "crm"
    made = subprocess.run([crm, "dev", "new-connector", "acme-book", "--dir", str(tmp_path),
                           "--label", "Acme Book"], capture_output=True, text=True, timeout=120,
                          env={**{k: v for k, v in os.environ.items() if not k.startswith("CRM_")},
                               "CRM_HOME": str(tmp_path / "home"), "CRM_PLUGINS": ""})
    assert made.returncode == 0, made.stderr
    root = tmp_path / "crm-acme-book"
    assert (root / "crm_acme_book" / "connector.py").exists()
    assert 'acme-book = "crm_acme_book.plugin"' in (root / "pyproject.toml").read_text()
    env = {k: v for k, v in os.environ.items() if not k.startswith("CRM_")}
    env["PYTHONPATH"] = str(root) + os.pathsep + env.get("PYTHONPATH", "")
    ran = subprocess.run([sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider",
                          "--rootdir", str(root), str(root / "tests")],
                         capture_output=True, text=True, env=env, cwd=root, timeout=600)
    assert ran.returncode == 0, ran.stdout[-3000:] + ran.stderr[-2000:]
    assert " passed" in ran.stdout and "failed" not in ran.stdout
