"""Developer tools of tgstack (not shipped in the distribution)."""
