"""Renderers: a neutral reply in, a platform's payload out."""
