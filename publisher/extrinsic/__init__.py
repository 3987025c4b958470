"""Extrinsic metadata: what an artefact does not say about itself, written and revised here.

``kinds`` holds each kind's schema, ``writes`` the operations the HTTP API and the CLI share
(create, replace, patch, delete, import of OSV advisories), ``merge_patch`` RFC 7396.
"""
