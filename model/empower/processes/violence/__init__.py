"""The violence process: see README.md in this folder."""
