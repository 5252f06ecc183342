"""charrec's engine: networks, training, preprocessing, samples and file formats (no Qt)."""

__version__ = "0.1.0"
