#!/usr/bin/env python3
"""A hostile prim for conformance tests: answers its paid route with a raw HTTP/1.1 402 whose
x402 challenge a lenient reader would misread (argv[1] is the trick). Not a fake of anything:
the gate must refuse every trick but "good"."""
import base64, json, os, socket, sys, threading, time
MODE = sys.argv[1]
PORT = int(os.environ["PORT"])
NET = os.environ.get("PRIM_NETWORK") or "eip155:84532"
GOOD = os.environ.get("PRIM_PAY_TO") or "0x000000000000000000000000000000000000dEaD"
EVIL = "0x1111111111111111111111111111111111111111"
USDC = {"eip155:8453": "0x833589fCD6eDb6E08f4c7C32D4f71b54bdA02913", "eip155:84532": "0x036CbD53842c5426634e7929541eC2318f3dCF7e"}
NAME = {"eip155:8453": "USD Coin", "eip155:84532": "USDC"}
def offer(pay=GOOD, amount="10000"):
    return '{"scheme": "exact", "network": "%s", "asset": "%s", "amount": "%s", "payTo": "%s", "maxTimeoutSeconds": 60, "extra": {"name": "%s", "version": "2"}}' % (NET, USDC[NET], amount, pay, NAME[NET])
def b64(s): return base64.b64encode(s.encode()).decode()
def challenge():
    if MODE == "dup_payto":
        o = offer().replace('"payTo": "%s"' % GOOD, '"payTo": "%s", "payTo": "%s"' % (GOOD, EVIL))
        return ["PAYMENT-REQUIRED: " + b64('{"x402Version": 2, "accepts": [%s]}' % o)]
    if MODE == "dup_payto_rev":
        o = offer().replace('"payTo": "%s"' % GOOD, '"payTo": "%s", "payTo": "%s"' % (EVIL, GOOD))
        return ["PAYMENT-REQUIRED: " + b64('{"x402Version": 2, "accepts": [%s]}' % o)]
    if MODE == "dup_amount":
        o = offer().replace('"amount": "10000"', '"amount": "10000", "amount": "500000"')
        return ["PAYMENT-REQUIRED: " + b64('{"x402Version": 2, "accepts": [%s]}' % o)]
    if MODE == "dup_accepts":
        return ["PAYMENT-REQUIRED: " + b64('{"x402Version": 2, "accepts": [%s], "accepts": [%s]}' % (offer(), offer(EVIL)))]
    if MODE in ("bom_dup", "utf16_dup"):
        o = offer().replace('"payTo": "%s"' % GOOD, '"payTo": "%s", "payTo": "%s"' % (GOOD, EVIL))
        text = '{"x402Version": 2, "accepts": [%s]}' % o
        raw = b"\xef\xbb\xbf" + text.encode() if MODE == "bom_dup" else text.encode("utf-16")
        return ["PAYMENT-REQUIRED: " + base64.b64encode(raw).decode()]
    if MODE == "hdr_reset":
        ev = '{"x402Version": 2, "accepts": [%s]}' % offer(EVIL)
        while len(ev.encode()) % 3 == 0: ev += " "
        return ["PAYMENT-REQUIRED: " + b64(ev), "HTTP/1.1: x",
                "PAYMENT-REQUIRED: " + b64('{"x402Version": 2, "accepts": [%s]}' % offer())]
    if MODE == "leak":
        return ["PAYMENT-REQUIRED: " + b64('{"x402Version": 2, "accepts": [%s]}' % offer(os.environ.get("WALLET_KEY", "")))]
    if MODE == "good":
        return ["PAYMENT-REQUIRED: " + b64('{"x402Version": 2, "accepts": [%s]}' % offer())]
    raise SystemExit("mode?")
def handle(c):
    try:
        data = b""
        while b"\r\n\r\n" not in data:
            d = c.recv(4096)
            if not d: return
            data += d
        line = data.split(b"\r\n")[0].decode()
        method, path, _ = line.split(" ")
        if path == "/":
            body = b'{"ok":true}'
            c.sendall(b"HTTP/1.1 200 OK\r\nContent-Length: %d\r\nConnection: close\r\n\r\n" % len(body) + body)
        elif MODE == "trailer":
            hdr = "HTTP/1.1 402 Payment Required\r\nTransfer-Encoding: chunked\r\nTrailer: PAYMENT-REQUIRED\r\nConnection: close\r\n\r\n"
            c.sendall((hdr + "2\r\n{}\r\n0\r\nPAYMENT-REQUIRED: " + b64('{"x402Version": 2, "accepts": [%s]}' % offer()) + "\r\n\r\n").encode())
        elif MODE == "trailer_empty":
            hdr = "HTTP/1.1 402 Payment Required\r\nTransfer-Encoding: chunked\r\nTrailer: PAYMENT-REQUIRED\r\nConnection: close\r\n\r\n"
            c.sendall((hdr + "0\r\nPAYMENT-REQUIRED: " + b64('{"x402Version": 2, "accepts": [%s]}' % offer()) + "\r\n\r\n").encode())
        elif MODE == "early":
            c.sendall(("HTTP/1.1 103 Early Hints\r\nLink: </x>; rel=preload\r\n\r\nHTTP/1.1 402 Payment Required\r\n" + "\r\n".join(challenge_good()) + "\r\nContent-Length: 2\r\nConnection: close\r\n\r\n{}").encode())
        else:
            hs = challenge()
            c.sendall(("HTTP/1.1 402 Payment Required\r\n" + "\r\n".join(hs) + "\r\nContent-Length: 2\r\nConnection: close\r\n\r\n{}").encode())
    except Exception as e:
        print("err", e, flush=True)
    finally:
        c.close()
def challenge_good():
    return ["PAYMENT-REQUIRED: " + b64('{"x402Version": 2, "accepts": [%s]}' % offer())]
s = socket.socket(); s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1); s.bind(("127.0.0.1", PORT)); s.listen(64)
print("evil", MODE, PORT, flush=True)
while True:
    c, _ = s.accept(); threading.Thread(target=handle, args=(c,), daemon=True).start()
