"""Runs one of the test servers here (local_facilitator.py, domainsh_fake.py) until SIGTERM,
with an optional pid file that is removed when it stops."""

import os
import signal
import sys


def serve(httpd, pid_file, banner):
    if pid_file:
        with open(pid_file, "w") as f:
            f.write(f"{os.getpid()}\n")
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))
    sys.stderr.write(banner + "\n")
    try:
        httpd.serve_forever()
    except KeyboardInterrupt:
        pass
    finally:
        httpd.server_close()
        if pid_file:
            try:
                os.remove(pid_file)
            except OSError:
                pass
