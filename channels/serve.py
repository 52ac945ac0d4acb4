"""Runs Rasa's command line (`python -m channels.serve run ...`) with channels.rasa_patches applied and the server's extensions made (channels/extensions.py)."""

import sys

from channels import rasa_patches


def main() -> None:
    # Raises UnsupportedRasaVersion on any Rasa but the one the patches were compared with: the
    # server does not start rather than run unchecked patches (see channels/rasa_patches.py).
    rasa_patches.apply()
    from channels import extensions

    # Before Rasa reads credentials.yml: the channels it builds ask for what they share.
    extensions.start()
    from channels.security import allowed_origins, cors_arguments

    # `--cors "*"` (scripts/run.sh, the cluster) allows only WIDGET_ALLOWED_ORIGINS when it is set.
    sys.argv = cors_arguments(sys.argv, allowed_origins())
    from rasa.__main__ import main as rasa_main

    rasa_main()


if __name__ == "__main__":
    sys.argv[0] = "rasa"
    main()
