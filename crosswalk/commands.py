"""Entry points as graph nodes: the commands a wheel installs, and its plugins.

Console and GUI scripts are programs a person runs, so each becomes a
``schema:SoftwareApplication`` typed with the software-types class Codemeta tools use
(``stype:CommandLineApplication`` / ``stype:DesktopApplication``), linked from the release by
``codemeta:isSourceCodeOf`` as codemetapy links them. Every other group (``pytest11``,
``flake8.extension``...) is a plugin registration: an ``ldx:EntryPoint`` node under
``ldx:entryPoint`` with its group, name and object reference.
"""

from __future__ import annotations

from collections.abc import Mapping

from crosswalk.builder import NodeBuilder
from crosswalk.vocab import CODEMETA, LDX, SCHEMA, STYPE

__all__ = ["COMMAND_GROUPS", "add_entry_points"]

COMMAND_GROUPS = {
    "console_scripts": STYPE.CommandLineApplication,
    "gui_scripts": STYPE.DesktopApplication,
}


def add_entry_points(release: NodeBuilder, entry_points: object) -> None:
    """State a release's entry points (group -> name -> object reference)."""
    if not isinstance(entry_points, Mapping):
        return
    for group in sorted(entry_points, key=lambda g: (g not in COMMAND_GROUPS, str(g))):
        entries = entry_points[group]
        if not isinstance(entries, Mapping):
            continue
        for name in sorted(entries):
            reference = entries[name]
            if group in COMMAND_GROUPS:
                node = release.child(CODEMETA.isSourceCodeOf, "command", SCHEMA.SoftwareApplication)
                node.types(COMMAND_GROUPS[group])
                node.text(STYPE.executableName, name)
            else:
                node = release.child(LDX.entryPoint, "entry-point", LDX.EntryPoint)
            node.text(SCHEMA.name, name)
            node.text(LDX.entryPointGroup, group)
            node.text(LDX.objectReference, reference)
