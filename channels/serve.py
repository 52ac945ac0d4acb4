"""Runs Rasa's command line (`python -m channels.serve run ...`) with channels.rasa_patches applied."""

import sys

from channels import rasa_patches


def main() -> None:
    # Raises UnsupportedRasaVersion on any Rasa but the one the patches were compared with: the
    # server does not start rather than run unchecked patches (see channels/rasa_patches.py).
    rasa_patches.apply()
    from rasa.__main__ import main as rasa_main

    rasa_main()


if __name__ == "__main__":
    sys.argv[0] = "rasa"
    main()
