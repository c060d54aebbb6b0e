"""The partnerships process: see README.md in this folder."""
