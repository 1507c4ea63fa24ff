"""JupyterLab for the end-to-end tests: the front end built in app/ served by Debian's jupyter_server
1.23 + jupyterlab_server (JupyterLab's examples/federated pattern; no `jupyterlab` Python package).

    /usr/bin/python3 server.py --port 8888 --root-dir NOTEBOOKS [--labextension DIR]...

Each --labextension DIR is a prebuilt extension as @jupyterlab/builder outputs it (package.json +
static/); the lab loads it as a federated extension. The token is off: bind to loopback only.
Prints "HYPERNODES-E2E-LAB READY <url>" once the server listens.
"""

import argparse
import atexit
import json
import os
import shutil
import sys
import tempfile

# The lab is configured here alone: ignore Jupyter config files on the machine.
os.environ["JUPYTER_NO_CONFIG"] = "1"

from jupyter_core.paths import jupyter_config_dir, jupyter_runtime_dir  # noqa: E402
from jupyter_server.base.handlers import JupyterHandler  # noqa: E402
from jupyterlab_server import LabServerApp  # noqa: E402
from tornado import web, websocket  # noqa: E402
from tornado.ioloop import IOLoop  # noqa: E402

BUILD = os.path.join(os.path.dirname(os.path.abspath(__file__)), "app", "build")
READY = "HYPERNODES-E2E-LAB READY"


class MeHandler(JupyterHandler):
    """GET /api/me (jupyter_server 2): JupyterLab 4 asks who the user is and retries on 404."""

    @web.authenticated
    def get(self):
        self.finish(
            json.dumps(
                {
                    "identity": {
                        "username": "e2e",
                        "name": "e2e",
                        "display_name": "e2e",
                        "initials": "E",
                        "avatar_url": None,
                        "color": None,
                    },
                    "permissions": {},
                }
            )
        )


class EventsHandler(websocket.WebSocketHandler):
    """WebSocket /api/events/subscribe (jupyter_server 2): JupyterLab 4 reconnects in a loop
    without it. No server events are sent."""

    def check_origin(self, origin):
        return True


class E2ELabApp(LabServerApp):
    name = "lab"
    app_url = "/lab"
    load_other_extensions = False
    app_name = "JupyterLab"
    static_dir = BUILD
    templates_dir = BUILD
    schemas_dir = os.path.join(BUILD, "schemas")
    themes_dir = os.path.join(BUILD, "themes")
    # JupyterLab's own locations, under HOME (a scratch dir in the tests).
    user_settings_dir = os.path.join(jupyter_config_dir(), "lab", "user-settings")
    workspaces_dir = os.path.join(jupyter_config_dir(), "lab", "workspaces")

    def initialize_handlers(self):
        self.handlers.extend([("/api/me", MeHandler), ("/api/events/subscribe", EventsHandler)])
        super().initialize_handlers()
        # Runs once the server's IO loop starts, i.e. when it accepts connections.
        IOLoop.current().add_callback(
            lambda: print(f"{READY} {self.serverapp.connection_url}", flush=True)
        )


def _jupyter_server_extension_points():
    # jupyter_server looks the app up through this module (launched as __main__).
    return [{"module": __name__, "app": E2ELabApp}]


def labextensions_dir(extension_dirs):
    """A labextensions folder (<name>/package.json) holding links to the given extensions only:
    not the machine's (Debian ships a JupyterLab 3 one). In the runtime dir: a scratch dir in the
    tests, so even a killed server leaves nothing behind."""
    os.makedirs(jupyter_runtime_dir(), exist_ok=True)
    root = tempfile.mkdtemp(prefix="labextensions-", dir=jupyter_runtime_dir())
    atexit.register(shutil.rmtree, root, ignore_errors=True)
    for ext in extension_dirs:
        ext = os.path.abspath(ext)
        with open(os.path.join(ext, "package.json"), encoding="utf-8") as f:
            name = json.load(f)["name"]
        link = os.path.join(root, name)
        os.makedirs(os.path.dirname(link), exist_ok=True)
        os.symlink(ext, link)
    return root


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--root-dir", required=True, help="the notebooks' folder")
    parser.add_argument("--labextension", action="append", default=[], help="a prebuilt extension")
    args = parser.parse_args()
    if not os.path.exists(os.path.join(BUILD, "bundle.js")):
        sys.exit(f"{BUILD} is not built: run labextension/e2e/setup.sh")

    # As JupyterLab's examples/federated/main.py does: a class attribute the app reads as is.
    E2ELabApp.labextensions_path = [labextensions_dir(args.labextension)]
    E2ELabApp.launch_instance(
        [
            "--ServerApp.ip=127.0.0.1",
            f"--ServerApp.port={args.port}",
            "--ServerApp.port_retries=0",
            "--ServerApp.open_browser=False",
            "--ServerApp.allow_root=True",  # CI runs as root
            "--ServerApp.token=",
            "--ServerApp.password=",
            f"--ServerApp.root_dir={os.path.abspath(args.root_dir)}",
        ]
    )


if __name__ == "__main__":
    main()
