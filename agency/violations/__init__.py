"""Violations: a department's breaches of the law's own deadlines and rules, recorded for the leaders."""
