"""Step-by-step walkthroughs: guide texts as YAML (texts/), the loader, matching free text to a guide, and the engine."""
