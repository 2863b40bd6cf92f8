#!/usr/bin/env python3
"""A stand-in prim. GET / answers {"service": NAME, "status": "ok"}. A paid route (--paid) answers
402 with an x402 v2 challenge in the PAYMENT-REQUIRED header: pay to $PRIM_PAY_TO on
$PRIM_NETWORK in USDC, --price dollars. The stub verifies no payment: it is a stand-in for a
prim's own code, not an x402 server. Listens on $PORT on loopback.

--ok and --fail make a route answer 200 or 500 whatever is sent (to show a gate failing); --slow
"METHOD /path=SECONDS" makes a route answer 200 after that long (a check that takes a while).

--counter: GET /count adds one to the number in $STATE_DIRECTORY/count and answers it ({"count": N}).
--peek PATH: GET /peek answers {"read": true} when PATH can be read, else why not.
--die MESSAGE prints MESSAGE and exits at start (a prim that cannot start). --hog makes it a prim
gone wrong: GET /hog/start forks until refused (children sleep), GET /hog answers {"forked": N, "refused": M};
GET /fill writes to $TMPDIR until the write fails (64 MiB at most) and answers {"written": BYTES}. --notes makes it a tiny notes service: POST /v1/notes stores a note (201), GET /v1/notes answers
{"notes": N, "probes": P}, P counting the requests that carried a Prim-Probe header (a gate's)."""
import argparse
import base64
import json
import os
import sys
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

USDC = {
    "eip155:8453": "0x833589fCD6eDb6E08f4c7C32D4f71b54bdA02913",
    "eip155:84532": "0x036CbD53842c5426634e7929541eC2318f3dCF7e",
}
# The name of USDC's EIP-712 domain on each network, which clients sign for.
TOKEN_NAME = {"eip155:8453": "USD Coin", "eip155:84532": "USDC"}

parser = argparse.ArgumentParser()
parser.add_argument("--name", required=True)
parser.add_argument("--paid", action="append", default=[], help="METHOD /path of a paid route")
parser.add_argument("--price", default="0.01", help="what a paid route costs, in dollars")
parser.add_argument("--pay-to", help="the address challenges name (default: $PRIM_PAY_TO)")
parser.add_argument("--ok", action="append", default=[], help="METHOD /path that answers 200 to anything")
parser.add_argument("--fail", action="append", default=[], help="METHOD /path that answers 500 to anything")
parser.add_argument("--slow", action="append", default=[], help="METHOD /path=SECONDS that answers 200 after SECONDS")
parser.add_argument("--die", help="print this to stderr and exit 3 at start (a prim that cannot start)")
parser.add_argument("--hog", action="store_true", help="fork without end; GET /hog and GET /fill report")
parser.add_argument("--counter", action="store_true", help="GET /count counts in $STATE_DIRECTORY/count")
parser.add_argument("--peek", help="GET /peek says whether this file can be read")
parser.add_argument("--notes", action="store_true", help="POST /v1/notes stores a note; GET /v1/notes counts them")
parser.add_argument("--die-when-proxied", action="store_true",
                    help="exit 3 after answering the first request a proxy forwarded (a version that passes its gate, then dies)")
args = parser.parse_args()
if args.die:
    print(args.die, file=sys.stderr, flush=True)
    sys.exit(3)
notes = []
probes = [0]
hogged = {"forked": 0, "refused": 0}


def hog():
    """Forks children that sleep until a fork is refused; then frees a few slots (so the server can
    still answer) and stops."""
    children = []
    while True:
        try:
            pid = os.fork()
            if pid == 0:
                time.sleep(3600)
                os._exit(0)
            children.append(pid)
            hogged["forked"] += 1
        except OSError:
            hogged["refused"] += 1
            for pid in children[-4:]:
                os.kill(pid, 9)
                os.waitpid(pid, 0)
            return


def fill():
    written = 0
    chunk = b"x" * (1 << 20)
    try:
        with open(os.path.join(os.environ.get("TMPDIR", "/tmp"), f"fill-{os.getpid()}"), "wb") as f:
            while written < (64 << 20):  # never more than 64 MiB, bounded or not
                f.write(chunk)
                f.flush()
                written += len(chunk)
    except OSError:
        pass
    return written


def routes(values):
    return {tuple(route.split(" ", 1)) for route in values}


paid, ok, fail = routes(args.paid), routes(args.ok), routes(args.fail)
slow = {tuple(route.split(" ", 1)): float(seconds) for route, _, seconds in (value.rpartition("=") for value in args.slow)}
network = os.environ.get("PRIM_NETWORK") or "eip155:84532"
pay_to = args.pay_to or os.environ.get("PRIM_PAY_TO") or "0x000000000000000000000000000000000000dEaD"
whole, _, fraction = args.price.partition(".")
amount = str(int(whole or "0") * 1_000_000 + int((fraction + "000000")[:6]))


def challenge(path):
    required = {
        "x402Version": 2,
        "error": "payment required",
        "resource": {"url": path, "description": f"{args.name} {path}", "mimeType": "application/json"},
        "accepts": [{
            "scheme": "exact", "network": network, "asset": USDC.get(network, USDC["eip155:84532"]),
            "amount": amount, "payTo": pay_to, "maxTimeoutSeconds": 60,
            "extra": {"name": TOKEN_NAME.get(network, "USDC"), "version": "2"},
        }],
    }
    return base64.b64encode(json.dumps(required).encode()).decode()


class Handler(BaseHTTPRequestHandler):
    def answer(self, status, body, headers=None):
        data = json.dumps(body).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        for name, value in (headers or {}).items():
            self.send_header(name, value)
        self.end_headers()
        self.wfile.write(data)
        if args.die_when_proxied and self.headers.get("X-Forwarded-For"):
            self.wfile.flush()
            os._exit(3)

    def route(self):
        length = int(self.headers.get("Content-Length") or 0)
        if length:
            self.rfile.read(length)
        key = (self.command, self.path)
        if self.headers.get("Prim-Probe"):
            probes[0] += 1
        if args.counter and key == ("GET", "/count"):
            path = os.path.join(os.environ["STATE_DIRECTORY"], "count")
            try:
                with open(path) as f:
                    count = int(f.read() or "0")
            except FileNotFoundError:
                count = 0
            with open(path + ".new", "w") as f:
                f.write(str(count + 1))
            os.replace(path + ".new", path)
            return self.answer(200, {"service": args.name, "count": count + 1})
        if args.peek and key == ("GET", "/peek"):
            try:
                with open(args.peek) as f:
                    f.read()
                return self.answer(200, {"service": args.name, "read": True})
            except OSError as error:
                return self.answer(200, {"service": args.name, "read": False, "error": error.strerror})
        if args.hog and key == ("GET", "/hog/start"):
            import threading
            threading.Thread(target=hog, daemon=True).start()
            return self.answer(200, {"service": args.name, "started": True})
        if args.hog and key == ("GET", "/hog"):
            return self.answer(200, {"service": args.name, **hogged})
        if args.hog and key == ("GET", "/fill"):
            return self.answer(200, {"service": args.name, "written": fill()})
        if args.notes and key == ("POST", "/v1/notes"):
            notes.append(time.time())
            return self.answer(201, {"service": args.name, "stored": len(notes)})
        if args.notes and key == ("GET", "/v1/notes"):
            return self.answer(200, {"service": args.name, "notes": len(notes), "probes": probes[0]})
        if key in fail:
            return self.answer(500, {"error": {"code": "internal", "message": "this route is set to fail"}})
        if key in ok:
            return self.answer(200, {"service": args.name, "ok": True})
        if key in slow:
            time.sleep(slow[key])
            return self.answer(200, {"service": args.name, "slow": True})
        if key in paid and not self.headers.get("PAYMENT-SIGNATURE"):
            return self.answer(402, {"error": {"code": "payment_required", "message": "x402 payment needed"}},
                               {"PAYMENT-REQUIRED": challenge(self.path)})
        if self.command == "GET" and self.path == "/":
            return self.answer(200, {"service": args.name, "status": "ok"})
        if key in paid:
            return self.answer(200, {"service": args.name, "paid": True})
        return self.answer(404, {"error": {"code": "not_found", "message": "no such route"}})

    do_GET = do_POST = do_PUT = do_PATCH = do_DELETE = route

    def log_message(self, *_):
        pass


ThreadingHTTPServer(("127.0.0.1", int(os.environ["PORT"])), Handler).serve_forever()
