"""The large-dataset benchmark behind ``manage.py benchmark``: ``generate`` and ``measure``."""
