"""The README's promises that code can check: the two commands on its first screen (the test
command is what CI runs), and tables that must list every setting and every rule."""

import re
from pathlib import Path

from diagnoser.analysis.catalog import RULES

ROOT = Path(__file__).resolve().parents[2]
README = (ROOT / "README.md").read_text()
RUN = (
    "python3 -m venv .venv && .venv/bin/pip install -q -r requirements.txt && "
    ".venv/bin/python manage.py up"
)
TEST = (
    "python3 -m venv .venv && .venv/bin/pip install -q -r requirements-dev.txt && "
    ".venv/bin/python -m pytest"
)


def test_the_readme_opens_with_a_one_line_description_and_then_the_two_commands():
    title, *opening = README.splitlines()[:5]
    assert title.startswith("# ")
    assert opening == ["", f"    {RUN}", "", f"    {TEST}"]


def test_ci_runs_the_readmes_test_command():
    assert TEST in (ROOT / ".ci" / "run").read_text().splitlines()


def test_the_settings_table_lists_every_environment_variable_settings_read():
    settings = (ROOT / "diagnoser" / "settings.py").read_text()
    names = set(re.findall(r'env_\w+\(\s*"([A-Z0-9_]+)"', settings))
    assert names
    missing = {name for name in names if f"| `{name}` |" not in README}
    assert missing == set()


def test_the_rule_table_lists_every_rule_with_its_severity():
    for rule in RULES.values():
        assert f"| `{rule.id}` | {rule.severity_text} | {rule.summary} |" in README
