"""The CERS assistant's action server package (run with `rasa run actions`)."""
