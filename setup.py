"""Build hook: a wheel carries the settings and scenarios, so they are found by name.

``seeds/`` and ``scenarios/`` live at the repository's root (where the docs and
commands name them); building copies them into the package as ``empower/data/``
(:mod:`empower.catalogue` looks there last). Everything else is in pyproject.toml.
"""

import shutil
from pathlib import Path

from setuptools import setup
from setuptools.command.build_py import build_py

ROOT = Path(__file__).resolve().parent
DATA = ("seeds", "scenarios")


class BuildPyWithData(build_py):
    """``build_py`` that also copies the settings and scenarios into the package."""

    def run(self):
        """Build the package, then copy ``seeds/`` and ``scenarios/`` into it."""
        super().run()
        for folder in DATA:
            source = ROOT / folder
            if source.is_dir():  # an sdist carries them through MANIFEST.in
                target = Path(self.build_lib) / "empower" / "data" / folder
                shutil.copytree(source, target, dirs_exist_ok=True,
                                ignore=shutil.ignore_patterns("__pycache__", "*.pyc"))


setup(cmdclass={"build_py": BuildPyWithData})
