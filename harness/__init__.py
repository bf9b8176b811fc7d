"""Keras/TensorFlow regression harness: the same training scenarios across framework versions."""

__version__ = "0.1.0"
