"""The legal process: see README.md in this folder."""
