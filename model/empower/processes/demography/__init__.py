"""The demography process: see README.md in this folder."""
