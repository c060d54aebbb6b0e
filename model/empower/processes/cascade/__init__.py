"""The cascade process: see README.md in this folder."""
