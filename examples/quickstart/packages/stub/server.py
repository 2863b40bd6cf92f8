#!/usr/bin/env python3
"""A stand-in prim: GET / answers {"service": NAME, "status": "ok"}; paid routes answer
402 without an X-402-Payment header. Listens on $PORT on loopback."""
import argparse
import json
import os
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

parser = argparse.ArgumentParser()
parser.add_argument("--name", required=True)
parser.add_argument("--paid", action="append", default=[], help="METHOD /path of a paid route")
args = parser.parse_args()
paid = {tuple(route.split(" ", 1)) for route in args.paid}


class Handler(BaseHTTPRequestHandler):
    def answer(self, status, body):
        data = json.dumps(body).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def route(self):
        if (self.command, self.path) in paid and not self.headers.get("X-402-Payment"):
            return self.answer(402, {"error": {"code": "payment_required", "message": "x402 payment needed"}})
        if self.command == "GET" and self.path == "/":
            return self.answer(200, {"service": args.name, "status": "ok"})
        if (self.command, self.path) in paid:
            return self.answer(200, {"service": args.name, "paid": True})
        return self.answer(404, {"error": {"code": "not_found", "message": "no such route"}})

    do_GET = do_POST = do_PUT = do_DELETE = route

    def log_message(self, *_):
        pass


ThreadingHTTPServer(("127.0.0.1", int(os.environ["PORT"])), Handler).serve_forever()
