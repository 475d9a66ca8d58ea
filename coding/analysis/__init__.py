"""Analyses over codings: matrices, co-occurrence, agreement, framework."""
