"""The transmission process: see README.md in this folder."""
