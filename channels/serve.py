"""Runs Rasa's command line (`python -m channels.serve run ...`) with channels.speedups applied."""
import sys

from channels import speedups


def main() -> None:
    speedups.apply()
    from rasa.__main__ import main as rasa_main

    rasa_main()


if __name__ == "__main__":
    sys.argv[0] = "rasa"
    main()
