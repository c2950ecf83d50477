"""Data shipped with the package: classifications, samples, synthetic peers."""
