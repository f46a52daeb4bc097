"""Lesson-specific helpers."""
