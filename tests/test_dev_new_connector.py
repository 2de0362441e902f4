"""'crm dev new-connector NAME' writes a package that loads and passes the conformance suite as
generated: the real command writes it, and its own test file runs in a pytest subprocess with the
package loaded from its folder (not installed), as an author would before 'pip install'."""
from __future__ import annotations

import os
import subprocess
import sys

import pytest


def test_a_bad_name_or_an_existing_folder_is_refused(crm_env, tmp_path):
    bad = crm_env.invoke(["dev", "new-connector", "Acme_Book", "--dir", str(tmp_path)])
    assert bad.exit_code != 0 and "lowercase letters" in bad.output
    assert crm_env.invoke(["dev", "new-connector", "acme", "--dir", str(tmp_path)]).exit_code == 0
    again = crm_env.invoke(["dev", "new-connector", "acme", "--dir", str(tmp_path)])
    assert again.exit_code != 0 and "exists already" in again.output


@pytest.mark.slow
def test_the_generated_connector_passes_the_conformance_suite(crm_env, tmp_path):
    made = crm_env.run(["dev", "new-connector", "acme-book", "--dir", str(tmp_path),
                        "--label", "Acme Book"])
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
