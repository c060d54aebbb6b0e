"""The stis process: see README.md in this folder."""
