"""What every channel does to a message before the bot reads it."""

from channels.text import EMPTY_MESSAGE, MAX_MESSAGE_CHARS, clean_user_text


def test_empty_and_blank_messages_become_the_fallback():
    for text in ("", "   ", "\n\t", None, "\x00\x07"):
        assert clean_user_text(text) == EMPTY_MESSAGE


def test_control_characters_and_colour_codes_are_removed():
    assert clean_user_text("\x1b[31mhow do I\x00 add a user?\x07") == "how do I add a user?"


def test_long_messages_are_cut():
    assert len(clean_user_text("hazardous " * 5000)) <= MAX_MESSAGE_CHARS


def test_ordinary_text_and_other_scripts_are_kept():
    assert clean_user_text("  ¿Cuándo vence?  😀 ") == "¿Cuándo vence? 😀"
