"""Input channels and the Rasa server launcher for the CERS assistant."""
