"""The hardware-capability vocabulary: the keys every index understands, and the rule for
extension keys.

A capability is ``key: value`` (``gpu: cuda>=12.1``, ``cpu: x86-64-v3``, ``accelerator: rocm``)
that a release or file *requires* or *supports*. The controlled keys below have a meaning
shared by every consumer; anything else must carry a namespace (``acme:fpga-board``), so two
publishers' private keys can never collide with each other or with a future controlled key.
"""

from __future__ import annotations

import re

__all__ = ["CONTROLLED_KEYS", "EXTENSION_KEY", "is_known_key"]

CONTROLLED_KEYS: dict[str, str] = {
    "cpu": "CPU microarchitecture level or instruction-set extension (x86-64-v3, avx2, neon)",
    "gpu": "GPU compute runtime and its version (cuda>=12.1, rocm>=6.0, metal, vulkan)",
    "accelerator": "Another accelerator family (rocm, tpu, npu, fpga)",
    "memory": "Main memory needed (16GiB)",
    "storage": "Disk space needed (2GiB)",
    "gpu-memory": "Memory on the GPU or accelerator (24GiB)",
}

# namespace:name — lower-case, the namespace a reverse-DNS label or a short publisher name.
EXTENSION_KEY = re.compile(r"^[a-z][a-z0-9.-]{0,62}:[a-z0-9][a-z0-9._-]{0,62}$")


def is_known_key(key: str) -> bool:
    """A controlled key, or an extension key under a namespace."""
    return key in CONTROLLED_KEYS or bool(EXTENSION_KEY.match(key))
