"""The domain: plain Python, no Rasa."""
