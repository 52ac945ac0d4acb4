"""The conversation's vocabulary, Rasa-free: the names of intents, actions, slots, metadata keys and outcomes the code refers to (names.py), and the channels (channels.py)."""
