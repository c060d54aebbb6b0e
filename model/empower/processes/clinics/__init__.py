"""The clinics process: see README.md in this folder."""
