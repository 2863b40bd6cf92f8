#!/usr/bin/env python3
"""scripts/bench-prsh's load driver: POST /v1/pr and GET /v1/pr/:n from CLIENTS threads.

  bench_driver.py PORT POSTS GETS CLIENTS N [PAYER_KEY]

With PAYER_KEY, every POST is paid: the challenge is read once, and one payment per POST is
signed with x402's own client (x402ClientSync, EIP-3009 over eth_account) before timing starts.
"""
import http.client, json, sys, threading, time

port, posts, gets, clients, n = (int(x) for x in sys.argv[1:6])
key = sys.argv[6] if len(sys.argv) > 6 and sys.argv[6] else None


def manifest(i):
    prim = f"agent{i}"
    return json.dumps({"title": f"Add {prim}", "files": [{"path": f"state/prims/{prim}.yaml",
                       "content": f"id: {prim}\nname: {prim}.sh\nstatus: testing\nport: {40000 + i}\n"}]})


signatures = []
if key:
    from eth_account import Account
    from x402 import x402ClientSync
    from x402.http.utils import decode_payment_required_header, encode_payment_signature_header
    from x402.mechanisms.evm.exact import register_exact_evm_client
    from x402.mechanisms.evm.signers import EthAccountSigner
    client = x402ClientSync()
    register_exact_evm_client(client, EthAccountSigner(Account.from_key(key)))
    conn = http.client.HTTPConnection("127.0.0.1", port)
    conn.request("POST", "/v1/pr", body=manifest(0), headers={"Content-Type": "application/json"})
    answer = conn.getresponse(); answer.read()
    required = decode_payment_required_header(answer.getheader("PAYMENT-REQUIRED"))
    signatures = [encode_payment_signature_header(client.create_payment_payload(required)) for _ in range(posts)]


def run(label, count, make):
    latencies, lock, errors = [], threading.Lock(), []

    def worker(indexes):
        conn = http.client.HTTPConnection("127.0.0.1", port)
        for i in indexes:
            method, path, body, headers, expect = make(i)
            start = time.perf_counter()
            conn.request(method, path, body=body, headers=headers)
            response = conn.getresponse(); data = response.read()
            elapsed = time.perf_counter() - start
            if response.status != expect:
                errors.append((response.status, data[:200]))
            with lock:
                latencies.append(elapsed)

    threads = [threading.Thread(target=worker, args=(range(c, count, clients),)) for c in range(clients)]
    start = time.perf_counter()
    for t in threads: t.start()
    for t in threads: t.join()
    wall = time.perf_counter() - start
    latencies.sort()
    pct = lambda p: latencies[min(len(latencies) - 1, int(p * len(latencies)))] * 1000
    print(f"{label}: {count} requests, {clients} clients: {count / wall:.0f} req/s, "
          f"p50 {pct(0.50):.1f} ms, p99 {pct(0.99):.1f} ms, max {latencies[-1] * 1000:.1f} ms, errors {len(errors)}")
    if errors:
        print("  first error:", errors[0])


def post(i):
    headers = {"Content-Type": "application/json"}
    if key:
        headers["PAYMENT-SIGNATURE"] = signatures[i]
    else:
        headers["X-Wallet"] = "0x%040x" % (i + 1)
    return "POST", "/v1/pr", manifest(i), headers, 201


print(f"pr.sh with {n} prims on main")
run("POST /v1/pr (one-prim manifest, checks, merge)" + (", paid" if key else ""), posts, post)
run("GET /v1/pr/:n", gets, lambda i: ("GET", f"/v1/pr/{i % posts + 1}", None, {}, 200))
