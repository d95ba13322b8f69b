"""Helpers shared by the bench/ scripts: a free local port and the JSON report's output."""
import json
import os
import socket


def free_port():
    """A TCP port on 127.0.0.1 that nothing listens on right now."""
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    return port


def emit_report(report, out_path=None):
    """Prints the report as indented JSON on stdout and, when out_path is set, writes it there."""
    text = json.dumps(report, indent=2)
    print(text)
    if out_path:
        os.makedirs(os.path.dirname(os.path.abspath(out_path)), exist_ok=True)
        with open(out_path, "w") as f:
            f.write(text + "\n")
