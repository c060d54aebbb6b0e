"""The mobilisation process: see README.md in this folder."""
