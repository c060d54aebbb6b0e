"""The prep process: see README.md in this folder."""
