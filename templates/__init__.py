"""Default briefing templates, installed as ``briefing.templates``."""
