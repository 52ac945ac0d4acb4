"""Starts the action server (`python -m actions.serve --port 5055`): rasa_sdk's server, with this project's services made once at start-up."""

from __future__ import annotations

import argparse
import logging

from rasa_sdk.endpoint import create_app

from actions import services
from cers.office_answers import check_local_rules
from cers.settings import env, load_office, office_file


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(prog="python -m actions.serve", description=__doc__)
    parser.add_argument("--port", type=int, default=5055)
    parser.add_argument("--host", default=env("ACTION_SERVER_HOST", "127.0.0.1"))
    args = parser.parse_args(argv)
    # A bad office.yml stops the server here, with the setting named, not at the first answer.
    problems = check_local_rules(load_office())
    if problems:
        raise SystemExit(f"{office_file()}: " + "; ".join(problems))
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s %(message)s")
    app = create_app("actions", cors_origins=None)

    @app.listener("before_server_start")
    async def make_services(_app, _loop) -> None:
        services.start()

    @app.listener("after_server_stop")
    async def close_services(_app, _loop) -> None:
        services.services().close()

    app.run(args.host, args.port, workers=1, access_log=False)


if __name__ == "__main__":
    main()
