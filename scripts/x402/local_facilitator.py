#!/usr/bin/env python3
"""A local x402 facilitator over a fake USDC ledger. Test use only.

The verification and settlement logic is x402's own (PyPI x402 2.25.0):
x402FacilitatorSync with the EVM "exact" scheme's facilitator (ExactEvmScheme),
registered for both networks. Only the chain is fake: x402 reaches it through a
FacilitatorEvmSigner backed by an in-memory model of each network's USDC contract
(FiatTokenV2, EIP-3009 transferWithAuthorization), which enforces what the real one does:
  - the window, strictly: now > validAfter and now < validBefore;
  - (from, nonce) not used before on that network;
  - s <= n/2 and v in {27, 28} (Circle's ECRecover);
  - the EIP-712 signature, hashed here independently of x402 and recovered with
    eth_keys, recovering to `from`;
  - balanceOf(from) >= value;
and commits the transfer under a lock, returning a receipt with an ERC-20
Transfer log. get_code answers code for the USDC contracts and nothing for any
other address, so every payer is an EOA. Nothing here talks to a chain.

Networks: Base Sepolia eip155:84532 (USDC 0x036CbD53842c5426634e7929541eC2318f3dCF7e,
EIP-712 "USDC"/"2") and Base eip155:8453 (0x833589fCD6eDb6E08f4c7C32D4f71b54bdA02913,
"USD Coin"/"2").

Usage:
  local_facilitator.py [--listen 127.0.0.1:4020] [--mint ADDRESS=ATOMIC]... [--pid-file F]
  --mint credits ADDRESS with ATOMIC units (6 decimals: 1000000 = 1 USDC) on every network.

x402 v2 facilitator API (bodies {x402Version, paymentPayload, paymentRequirements}):
  GET  /supported   x402's get_supported()
  POST /verify      x402's VerifyResponse, e.g. {"isValid": true, "payer": "0x.."}
  POST /settle      x402's SettleResponse, e.g. {"success": true, "payer", "transaction", "network"}
  Answers are 200 with x402's model (by alias, nulls left out); a body that does not
  parse, or a scheme/network x402 has no facilitator for, is 400 {"error": "..."}.

The fake chain's JSON-RPC, one endpoint per network (what a node of that chain answers, over the
same ledger; only these methods):
  POST /rpc/<chain id>  eth_chainId, eth_blockNumber,
                        eth_getLogs {address, fromBlock, toBlock, topics: [t0, t1, ...]} (each
                          topic null or one value), eth_getTransactionReceipt [hash]
  Every committed transferWithAuthorization emits, as FiatTokenV2 does, AuthorizationUsed(
  authorizer indexed, nonce indexed) and Transfer(from indexed, to indexed, value) in one block.

Test-only inspection and control (not part of any real facilitator):
  GET  /_fake/state  {"balances": {network: {address_lower: "atomic"}},
                      "calls": {"verify": n, "settle": n},
                      "transfers": [{"network", "from", "to", "value", "nonce", "transaction"}],
                      "pending": [same fields, broadcast but not mined], "mode": "normal"}
                     calls counts every request received, whatever the mode.
  POST /_fake/mint   {"address", "amount", "network"?}: add amount (atomic) on network,
                     or on every network if omitted. Answers the state.
  POST /_fake/mode   {"mode": M, "delay": seconds, "reason"?} for /supported, /verify, /settle:
                       normal      x402's answers
                       down        the connection is closed without an answer
                       slow        sleep `delay` seconds (default 5), then answer normally
                       verdict400  HTTP 400 with a refusal and no ledger change:
                                   {"isValid": false, "invalidReason": R} or
                                   {"success": false, "errorReason": R, "transaction": "", "network"}
                                   (R = "reason", default "insufficient_funds")
                       error500    HTTP 500 with a text/plain body "Internal Server Error"
                       pending     /settle: the transfer is broadcast but never mined, so x402
                                   answers {"success": false, "errorReason": "settlement_pending",
                                   "transaction": "0x.."} and nothing is committed. A later settle
                                   of the same payload, outside this mode, makes x402 reconcile
                                   against that transaction, which is then mined (committed).
  POST /_fake/reset  clears calls, transfers, pending transactions and mode; keeps balances
                     and used nonces unless {"balances": true}, which restores the --mint
                     balances and forgets used nonces.

Logs one line per call to stderr; never the payment signature.
"""

import argparse
import json
import sys
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import urlsplit

from eth_abi import encode
from eth_keys import keys
from eth_utils import keccak, to_checksum_address

from x402 import x402FacilitatorSync
from x402.mechanisms.evm.exact import ExactEvmFacilitatorScheme, ExactEvmSchemeConfig
from x402.mechanisms.evm.types import TransactionReceipt
from x402.schemas import parse_payment_payload, parse_payment_requirements

from serving import serve

NETWORKS = {  # network: (chain id, USDC address, EIP-712 name, version)
    "eip155:84532": (84532, "0x036CbD53842c5426634e7929541eC2318f3dCF7e", "USDC", "2"),
    "eip155:8453": (8453, "0x833589fCD6eDb6E08f4c7C32D4f71b54bdA02913", "USD Coin", "2"),
}
FACILITATOR_ADDRESS = to_checksum_address(keccak(b"prim local facilitator")[-20:])
SECP256K1_N = 0xFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFEBAAEDCE6AF48A03BBFD25E8CD0364141
DOMAIN_TYPEHASH = keccak(
    b"EIP712Domain(string name,string version,uint256 chainId,address verifyingContract)")
TWA_TYPEHASH = keccak(b"TransferWithAuthorization(address from,address to,uint256 value,"
                      b"uint256 validAfter,uint256 validBefore,bytes32 nonce)")
TRANSFER_TOPIC = "0x" + keccak(b"Transfer(address,address,uint256)").hex()
AUTHORIZATION_USED_TOPIC = "0x" + keccak(b"AuthorizationUsed(address,bytes32)").hex()
MODES = {"normal", "down", "slow", "verdict400", "error500", "pending"}


class Revert(Exception):
    """What web3 raises for a reverted call; x402 maps the message to a reason."""

    def __init__(self, reason):
        super().__init__(f"execution reverted: {reason}")


class Ledger:
    """State shared by all networks: balances, used nonces, transfers, mode."""

    def __init__(self, mints):
        self.lock = threading.RLock()
        self.mints = mints
        self.reset(balances=True)

    def reset(self, balances):
        with self.lock:
            if balances:
                self.balances = {n: dict(self.mints) for n in NETWORKS}
                self.used = set()
            self.calls = {"verify": 0, "settle": 0}
            self.transfers, self.pending, self.receipts, self.blocks = [], {}, {}, 0
            self.logs = {n: [] for n in NETWORKS}  # network: the logs a node would return
            self.mode, self.delay, self.reason = "normal", 5.0, "insufficient_funds"

    def block(self):
        self.blocks += 1
        return self.blocks

    def state(self):
        with self.lock:
            return {
                "balances": {n: {a: str(v) for a, v in b.items()} for n, b in self.balances.items()},
                "calls": dict(self.calls),
                "transfers": list(self.transfers),
                "pending": [t for t, _ in self.pending.values()],
                "mode": self.mode,
            }


class FakeChainSigner:
    """x402's FacilitatorEvmSigner (mechanisms/evm/signer.py) over the fake chains. It serves
    both networks, as in x402's own register([8453, 84532], scheme) example; calls reach the
    network's USDC contract by its address, which differs per network."""

    def __init__(self, ledger):
        self.ledger = ledger
        self.contracts = {NETWORKS[n][1].lower(): FakeUsdc(ledger, n) for n in NETWORKS}
        self.blocks = 0

    def get_addresses(self):
        return [FACILITATOR_ADDRESS]

    def get_chain_id(self):
        raise NotImplementedError("this signer serves several chains; x402's exact scheme does not ask")

    def get_code(self, address):
        return b"\x60\x80\x60\x40" if address.lower() in self.contracts else b""

    def get_balance(self, address, token_address):
        return self.contract(token_address).balance_of(address)

    def read_contract(self, address, abi, function_name, *args):  # eth_call
        return self.contract(address).call(function_name, *args)

    def write_contract(self, address, abi, function_name, *args, data_suffix=None):
        if function_name != "transferWithAuthorization":
            raise Revert(f"fake USDC has no function {function_name}")
        return self.contract(address).transfer_with_authorization(*args)

    def verify_typed_data(self, address, domain, types, primary_type, message, signature):
        raise NotImplementedError("not used by the exact EIP-3009 path")

    def send_transaction(self, to, data):
        raise Revert("fake chain accepts only transferWithAuthorization")

    def wait_for_transaction_receipt(self, tx_hash):
        with self.ledger.lock:
            if tx_hash in self.ledger.pending:
                if self.ledger.mode == "pending":
                    raise TimeoutError(f"transaction {tx_hash} not mined yet")
                transfer, args = self.ledger.pending.pop(tx_hash)
                contract = self.contract(NETWORKS[transfer["network"]][1])
                try:  # mined now: the contract runs again, against today's state
                    contract.check(*args)
                    contract.commit(transfer)
                except Revert:
                    self.ledger.receipts[tx_hash] = TransactionReceipt(0, self.ledger.block(), tx_hash, [])
            if tx_hash not in self.ledger.receipts:
                raise TimeoutError(f"transaction {tx_hash} not found")
            return self.ledger.receipts[tx_hash]

    def contract(self, address):
        if address.lower() not in self.contracts:
            raise Revert(f"no contract at {address}")
        return self.contracts[address.lower()]


class FakeUsdc:
    """The USDC contract of one network: FiatTokenV2's EIP-3009 path, in memory."""

    def __init__(self, ledger, network):
        self.ledger, self.network = ledger, network
        self.chain_id, self.asset, self.name, self.version = NETWORKS[network]

    def balance_of(self, address):
        with self.ledger.lock:
            return self.ledger.balances[self.network].get(address.lower(), 0)

    def call(self, function_name, *args):
        if function_name == "transferWithAuthorization":  # the simulation x402 runs in verify
            with self.ledger.lock:
                self.check(*args)
            return None
        if function_name == "balanceOf":
            return self.balance_of(args[0])
        if function_name == "authorizationState":
            with self.ledger.lock:
                return (self.network, args[0].lower(), _hex(args[1])) in self.ledger.used
        if function_name in ("name", "version"):
            return getattr(self, function_name)
        raise Revert(f"fake USDC has no function {function_name}")

    def transfer_with_authorization(self, *args):
        with self.ledger.lock:
            transfer = self.check(*args)
            tx = "0x" + keccak(f"{self.network}|{transfer['from']}|{transfer['nonce']}".encode()).hex()
            transfer["transaction"] = tx
            if self.ledger.mode == "pending":  # broadcast, not mined
                self.ledger.pending[tx] = (transfer, args)
            else:
                self.commit(transfer)
            return tx

    # --- the contract: FiatTokenV2 transferWithAuthorization(from,to,value,after,before,nonce,v,r,s)
    def check(self, frm, to, value, valid_after, valid_before, nonce, v, r, s):
        now = int(time.time())
        if not now > valid_after:
            raise Revert("FiatTokenV2: authorization is not yet valid")
        if not now < valid_before:
            raise Revert("FiatTokenV2: authorization is expired")
        if (self.network, frm.lower(), _hex(nonce)) in self.ledger.used:
            raise Revert("FiatTokenV2: authorization is used or canceled")
        r_int, s_int = int.from_bytes(r, "big"), int.from_bytes(s, "big")
        if s_int > SECP256K1_N // 2:
            raise Revert("ECRecover: invalid signature 's' value")
        if v not in (27, 28):
            raise Revert("ECRecover: invalid signature 'v' value")
        domain = keccak(encode(["bytes32", "bytes32", "bytes32", "uint256", "address"], [
            DOMAIN_TYPEHASH, keccak(text=self.name), keccak(text=self.version), self.chain_id, self.asset]))
        struct = keccak(encode(
            ["bytes32", "address", "address", "uint256", "uint256", "uint256", "bytes32"],
            [TWA_TYPEHASH, frm, to, value, valid_after, valid_before, nonce]))
        digest = keccak(b"\x19\x01" + domain + struct)
        try:
            signer = keys.Signature(vrs=(v - 27, r_int, s_int)).recover_public_key_from_msg_hash(digest)
        except Exception:
            raise Revert("ECRecover: invalid signature")
        if signer.to_checksum_address().lower() != frm.lower():
            raise Revert("FiatTokenV2: invalid signature")
        if self.ledger.balances[self.network].get(frm.lower(), 0) < value:
            raise Revert("ERC20: transfer amount exceeds balance")
        return {"network": self.network, "from": frm.lower(), "to": to.lower(),
                "value": str(value), "nonce": _hex(nonce)}

    def commit(self, t):
        balances = self.ledger.balances[self.network]
        balances[t["from"]] -= int(t["value"])
        balances[t["to"]] = balances.get(t["to"], 0) + int(t["value"])
        self.ledger.used.add((self.network, t["from"], t["nonce"]))
        self.ledger.transfers.append(t)
        block = self.ledger.block()
        logs = [{"address": self.asset, "data": "0x", "topics": [AUTHORIZATION_USED_TOPIC, _topic(t["from"]), t["nonce"]]},
                {"address": self.asset, "data": "0x" + int(t["value"]).to_bytes(32, "big").hex(),
                 "topics": [TRANSFER_TOPIC, _topic(t["from"]), _topic(t["to"])]}]
        for index, log in enumerate(logs):
            log.update({"blockNumber": hex(block), "transactionHash": t["transaction"], "logIndex": hex(index), "removed": False})
        self.ledger.logs[self.network] += logs
        self.ledger.receipts[t["transaction"]] = TransactionReceipt(1, block, t["transaction"], logs)


def _hex(b):
    return "0x" + (b.hex() if isinstance(b, bytes) else str(b).removeprefix("0x"))


def _topic(address):
    return "0x" + "0" * 24 + address.lower().removeprefix("0x")


def build_facilitator(ledger):
    """x402's facilitator with x402's ExactEvmScheme registered for both networks at once.
    (One registration per network would not do: x402 turns a one-network list into the
    pattern "eip155:*", so the first registration would catch every EVM network. The v1
    registration register_exact_evm_facilitator adds for legacy networks is left out.)"""
    facilitator = x402FacilitatorSync()
    facilitator.register(list(NETWORKS), ExactEvmFacilitatorScheme(FakeChainSigner(ledger), ExactEvmSchemeConfig()))
    return facilitator


class Handler(BaseHTTPRequestHandler):
    server_version = "prim-local-facilitator"
    protocol_version = "HTTP/1.1"

    def log_message(self, fmt, *args):  # replaced by note(): one line per call, no bodies
        pass

    def note(self, status, detail=""):
        sys.stderr.write(f"local_facilitator: {self.command} {self.path} -> {status} {detail}\n")

    def reply(self, status, body, content_type="application/json"):
        data = body if isinstance(body, bytes) else json.dumps(body).encode()
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def body(self):
        raw = self.rfile.read(int(self.headers.get("Content-Length") or 0))
        return json.loads(raw) if raw.strip() else {}

    def do_GET(self):
        path = urlsplit(self.path).path
        if path == "/_fake/state":
            self.reply(200, LEDGER.state())
            self.note(200)
        elif path == "/supported":
            if self.fault("supported"):
                return
            self.reply(200, FACILITATOR[0].get_supported().model_dump(by_alias=True, exclude_none=True))
            self.note(200)
        else:
            self.reply(404, {"error": "not found"})
            self.note(404)

    def do_POST(self):
        path = urlsplit(self.path).path
        try:
            body = self.body()
        except ValueError as e:
            self.reply(400, {"error": f"invalid JSON: {e}"})
            return self.note(400, "invalid JSON")
        if path in ("/verify", "/settle"):
            return self.facilitate(path[1:], body)
        if path.startswith("/rpc/"):
            return self.rpc(path[len("/rpc/"):], body)
        try:
            answer = self.control(path, body)
        except (KeyError, TypeError, ValueError) as e:
            self.reply(400, {"error": f"bad request: {e!r}"})
            return self.note(400)
        if answer is None:
            self.reply(404, {"error": "not found"})
            return self.note(404)
        self.reply(200, answer)
        self.note(200, f"mode={LEDGER.mode}")

    def control(self, path, body):
        """The /_fake/ routes; None for an unknown path."""
        if path == "/_fake/mint":
            amount, address = int(body["amount"]), to_checksum_address(body["address"]).lower()
            with LEDGER.lock:
                for n in [body["network"]] if body.get("network") else NETWORKS:
                    LEDGER.balances[n][address] = LEDGER.balances[n].get(address, 0) + amount
            return LEDGER.state()
        if path == "/_fake/mode":
            if body.get("mode") not in MODES:
                raise ValueError(f"mode must be one of {sorted(MODES)}")
            with LEDGER.lock:
                LEDGER.delay = float(body.get("delay", LEDGER.delay))
                LEDGER.reason = str(body.get("reason", LEDGER.reason))
                LEDGER.mode = body["mode"]
            return {"mode": LEDGER.mode, "delay": LEDGER.delay}
        if path == "/_fake/reset":
            LEDGER.reset(balances=bool(body.get("balances")))
            FACILITATOR[0] = build_facilitator(LEDGER)  # forgets x402's pending-settlement store
            return LEDGER.state()
        return None

    def rpc(self, chain, body):
        """A node's JSON-RPC over the fake ledger, for the network whose chain id is `chain`."""
        network = next((n for n, v in NETWORKS.items() if str(v[0]) == chain), None)
        if network is None:
            self.reply(404, {"error": "no such chain"})
            return self.note(404)
        method, params = body.get("method"), body.get("params") or []

        def answer(result=None, error=None):
            reply = {"jsonrpc": "2.0", "id": body.get("id")}
            reply.update({"error": {"code": -32601, "message": error}} if error else {"result": result})
            self.reply(200, reply)
            self.note(200, f"{method}")

        with LEDGER.lock:
            if method == "eth_chainId":
                return answer(hex(NETWORKS[network][0]))
            if method == "eth_blockNumber":
                return answer(hex(LEDGER.blocks))
            if method == "eth_getLogs":
                f = params[0]
                low = 0 if f.get("fromBlock") in (None, "earliest") else int(f["fromBlock"], 16)
                high = LEDGER.blocks if f.get("toBlock") in (None, "latest") else int(f["toBlock"], 16)
                wanted = [t.lower() if isinstance(t, str) else t for t in f.get("topics", [])]
                found = [log for log in LEDGER.logs[network]
                         if low <= int(log["blockNumber"], 16) <= high
                         and (not f.get("address") or log["address"].lower() == f["address"].lower())
                         and all(w is None or (i < len(log["topics"]) and log["topics"][i].lower() == w)
                                 for i, w in enumerate(wanted))]
                return answer(found)
            if method == "eth_getTransactionReceipt":
                receipt = LEDGER.receipts.get(params[0])
                if receipt is None:
                    return answer(None)
                return answer({"transactionHash": params[0], "status": hex(receipt.status),
                               "blockNumber": hex(receipt.block_number), "logs": receipt.logs})
        return answer(error=f"the fake chain has no method {method}")

    def fault(self, kind):
        """Applies the fault mode; True when the request has been dealt with."""
        mode = LEDGER.mode
        if mode == "down":
            self.close_connection = True
            self.note("closed", "mode=down")
            return True
        if mode == "slow":
            time.sleep(LEDGER.delay)
        if mode == "error500":
            self.reply(500, b"Internal Server Error\n", "text/plain")
            self.note(500, "mode=error500")
            return True
        if mode == "verdict400" and kind != "supported":
            refusal = ({"isValid": False, "invalidReason": LEDGER.reason} if kind == "verify" else
                       {"success": False, "errorReason": LEDGER.reason, "transaction": "",
                        "network": self.network})
            self.reply(400, refusal)
            self.note(400, f"mode=verdict400 {LEDGER.reason}")
            return True
        return False

    def facilitate(self, kind, body):
        with LEDGER.lock:
            LEDGER.calls[kind] += 1
        try:
            payload = parse_payment_payload(body["paymentPayload"])
            requirements = parse_payment_requirements(payload.x402_version, body["paymentRequirements"])
            self.network = str(requirements.network)
        except Exception as e:
            self.reply(400, {"error": f"invalid request body: {e}"})
            return self.note(400, "invalid request body")
        if self.fault(kind):
            return
        try:
            result = getattr(FACILITATOR[0], kind)(payload, requirements)
        except Exception as e:  # e.g. SchemeNotFoundError: no facilitator for scheme/network
            self.reply(400, {"error": f"{type(e).__name__}: {e}"})
            return self.note(400, type(e).__name__)
        answer = result.model_dump(by_alias=True, exclude_none=True)
        self.reply(200, answer)
        ok = answer.get("isValid", answer.get("success"))
        reason = answer.get("invalidReason") or answer.get("errorReason") or ""
        self.note(200, " ".join(x for x in ("ok" if ok else "refused", reason, f"payer={answer.get('payer')}") if x))


def main():
    ap = argparse.ArgumentParser(description="A local x402 facilitator over a fake USDC ledger.")
    ap.add_argument("--listen", default="127.0.0.1:4020", help="HOST:PORT")
    ap.add_argument("--mint", action="append", default=[], metavar="ADDRESS=ATOMIC",
                    help="initial balance on every network (repeatable)")
    ap.add_argument("--pid-file")
    args = ap.parse_args()
    mints = {}
    for m in args.mint:
        address, _, amount = m.partition("=")
        address = to_checksum_address(address).lower()
        mints[address] = mints.get(address, 0) + int(amount)
    global LEDGER, FACILITATOR
    LEDGER = Ledger(mints)
    FACILITATOR = [build_facilitator(LEDGER)]
    host, _, port = args.listen.rpartition(":")
    httpd = ThreadingHTTPServer((host, int(port)), Handler)
    httpd.daemon_threads = True
    serve(httpd, args.pid_file, f"local_facilitator: listening on http://{host}:{port} "
                f"(fake USDC ledger; signer {FACILITATOR_ADDRESS})")


if __name__ == "__main__":
    main()
