#!/usr/bin/env python3
"""x402's own Python client paying one request, as an agent would. Test and demo use.

  pay.py --key-file F [--data-file F | --data JSON] [--header K:V]... [--max-amount ATOMIC] METHOD URL
  pay.py --key-file F --sign-only [--data ...] [--header K:V]... METHOD URL

It uses x402 2.25.0 unchanged: x402ClientSync with register_exact_evm_client and an
EthAccountSigner over the key, and x402's requests integration
(x402/http/clients/requests.py), which sends the request, signs a payment on a 402
and retries once with the PAYMENT-SIGNATURE header.

Prints one JSON line to stdout:
  {"status": int, "body": <JSON or text>, "payment_response": <decoded PAYMENT-RESPONSE or null>,
   "payment_required": <decoded PAYMENT-REQUIRED of a final 402, or null>}
and exits 0 whenever an HTTP answer came back, whatever its status. If x402's client
refuses to pay (e.g. every requirement is above --max-amount or its default $1 cap), it
prints {"status": null, ..., "error": "..."} and exits 2.

--sign-only sends the request unpaid, expects a 402, builds the PAYMENT-SIGNATURE value
with x402's client and prints just that value (so tests can replay or tamper with it),
without sending the paid request; exits 3 if the answer was not a 402.

--max-amount registers x402's max_amount policy (atomic units; 1000000 = 1 USDC).
The key file holds a 0x-prefixed hex private key; the key is never printed.
"""

import argparse
import json
import sys

import requests
from eth_account import Account

from x402 import max_amount, x402ClientSync
from x402.http import x402HTTPClientSync
from x402.http.clients.requests import PaymentError, x402_requests
from x402.http.utils import decode_payment_required_header, decode_payment_response_header
from x402.mechanisms.evm.exact import register_exact_evm_client
from x402.mechanisms.evm.signers import EthAccountSigner


def decoded(header, decode):
    if not header:
        return None
    try:
        return decode(header).model_dump(by_alias=True, exclude_none=True)
    except Exception as e:  # report, do not hide, a header x402 cannot decode
        return {"undecodable": str(e)}


def main():
    ap = argparse.ArgumentParser(description="x402's own Python client paying one request.")
    ap.add_argument("method")
    ap.add_argument("url")
    ap.add_argument("--key-file", required=True)
    body = ap.add_mutually_exclusive_group()
    body.add_argument("--data", help="JSON request body")
    body.add_argument("--data-file", help="file holding the request body")
    ap.add_argument("--header", action="append", default=[], metavar="K:V")
    ap.add_argument("--max-amount", type=int, metavar="ATOMIC")
    ap.add_argument("--sign-only", action="store_true")
    ap.add_argument("--timeout", type=float, default=120)
    args = ap.parse_args()

    with open(args.key_file) as f:
        account = Account.from_key(f.read().strip())
    client = x402ClientSync()
    register_exact_evm_client(client, EthAccountSigner(account))
    if args.max_amount is not None:
        client.register_policy(max_amount(args.max_amount))

    headers = {}
    for h in args.header:
        k, _, v = h.partition(":")
        headers[k.strip()] = v.strip()
    data = args.data.encode() if args.data is not None else None
    if args.data_file:
        with open(args.data_file, "rb") as f:
            data = f.read()
    if data is not None:
        headers.setdefault("Content-Type", "application/json")
    method = args.method.upper()

    if args.sign_only:
        resp = requests.request(method, args.url, data=data, headers=headers, timeout=args.timeout)
        if resp.status_code != 402:
            sys.stderr.write(f"pay.py: expected 402, got {resp.status_code}\n")
            return 3
        http_client = x402HTTPClientSync(client)
        try:
            required = http_client.get_payment_required_response(resp.headers.get, resp.content)
            payload = client.create_payment_payload(required)
        except Exception as e:
            sys.stderr.write(f"pay.py: x402 client refused to sign: {e}\n")
            return 2
        print(next(iter(http_client.encode_payment_signature_header(payload).values())))
        return 0

    session = x402_requests(client)
    try:
        resp = session.request(method, args.url, data=data, headers=headers, timeout=args.timeout)
    except PaymentError as e:
        print(json.dumps({"status": None, "body": None, "payment_response": None,
                          "payment_required": None, "error": str(e)}))
        return 2
    try:
        answer = resp.json()
    except ValueError:
        answer = resp.text
    print(json.dumps({
        "status": resp.status_code,
        "body": answer,
        "payment_response": decoded(resp.headers.get("PAYMENT-RESPONSE"), decode_payment_response_header),
        "payment_required": (decoded(resp.headers.get("PAYMENT-REQUIRED"), decode_payment_required_header)
                             if resp.status_code == 402 else None),
    }))
    return 0


if __name__ == "__main__":
    sys.exit(main())
