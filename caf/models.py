"""CAF indicator and lead professional: built by the coordination issue.

The record page already shows their place (see caf/record_sections.py), so
practitioners learn where the CAF status will appear.
"""
