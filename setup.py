"""Build hook: ship the top-level ``contexts/`` and ``templates/`` inside the wheel.

The checkout keeps them at the top (the project's layout); an installed wheel has no
checkout, so the build copies them into the packages that read them:
``contexts/`` → ``crosswalk/context-files/``, ``templates/`` → ``publisher/templates/``.
``crosswalk.contexts`` and ``publisher.render.environment`` look there first.
"""

from __future__ import annotations

import shutil
from pathlib import Path

from setuptools import setup
from setuptools.command.build_py import build_py

ROOT = Path(__file__).resolve().parent
SHIPPED = {"contexts": "crosswalk/context-files", "templates": "publisher/templates"}


class BuildWithData(build_py):
    """``build_py`` that also copies the data directories into the built packages."""

    def run(self) -> None:
        super().run()
        if self.editable_mode:  # an editable install reads them from the checkout
            return
        for source, target in SHIPPED.items():
            destination = Path(self.build_lib) / target
            shutil.rmtree(destination, ignore_errors=True)
            shutil.copytree(ROOT / source, destination)


setup(cmdclass={"build_py": BuildWithData})
