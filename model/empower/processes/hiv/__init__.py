"""The hiv process: see README.md in this folder."""
