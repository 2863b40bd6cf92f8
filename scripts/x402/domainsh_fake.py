#!/usr/bin/env python3
"""A contract fake of upstream domain.sh's DNS API (packages/domain of primsh/prim.sh),
charging through x402's own Flask middleware. Test use only: it keeps everything in
memory, and its "Cloudflare" is a dict.

  domainsh_fake.py --facilitator URL --pay-to ADDRESS [--listen 127.0.0.1:4030]
                   [--zone NAME=WALLET]... [--allow WALLET]... [--pid-file F]

--zone pre-creates an active zone owned by WALLET (its id is in /_fake/state).
--allow turns on upstream's wallet allowlist: other payers get 403 wallet_not_allowed
before any payment is looked at. x402 reads the facilitator's GET /supported at start; if
that fails it tries again on the first paid request, and while it keeps failing that
request gets Flask's HTML 500 (x402's behaviour, not upstream's).

Payment: x402 2.25.0's Flask payment_middleware, default flow (verify, handler, settle
only if the handler answered < 400), HTTPFacilitatorClientSync to --facilitator,
scheme exact on eip155:84532 (USDC), payTo --pay-to. Prices are upstream's
DOMAIN_ROUTES (packages/domain/src/index.ts). The caller is the payer that the
facilitator verified (authorization.from).

Routes (upstream shapes; ids z_/r_ + 8 hex):
  POST   /v1/zones {domain}                    201 {zone: Zone}
  GET    /v1/zones?limit=&after=               {data: [Zone], pagination}
  GET    /v1/zones/:id                         Zone
  DELETE /v1/zones/:id                         {status: "deleted"}
  POST   /v1/zones/:zone_id/records {type, name, content, ttl?, proxied?, priority?}  201 Record
  GET    /v1/zones/:zone_id/records?limit=1..100&after=<id>
         {data: [Record], pagination: {total: null, per_page, next_cursor, has_more}}
         ordered by id; has_more = the page was full; next_cursor = its last id, else null
  GET    /v1/zones/:zone_id/records/:id        Record
  PUT    /v1/zones/:zone_id/records/:id        Record (upstream has no PATCH)
  DELETE /v1/zones/:zone_id/records/:id        {status: "deleted"}
  POST   /v1/zones/:zone_id/records/batch {create?, update?: [{id, ...}], delete?: [{id}]}
         1..200 operations; every update/delete id checked first (404 "Record not found: <id>");
         applied at the provider as deletes, then updates, then creates;
         200 {created: [Record], updated: [Record], deleted: [{id}]}
  Zone   {id, domain, status, name_servers, owner_wallet, created_at}
  Record {id, zone_id, type, name, content, ttl, proxied, priority, created_at, updated_at};
         name is the full name without trailing dot ("@" and relative names are completed
         with the zone, as Cloudflare does); ttl defaults to 3600; priority null unless MX/SRV.
Errors: {error: {code, message}}; 400 {error: {code: "validation_error", message, issues:
[{path, message}]}}; 400 invalid_request "Invalid JSON body"; 404 not_found ("Zone not found",
"Record not found"); 403 forbidden "Forbidden" (another wallet's zone); 413 {error: "Request too
large"} (body > 1 MB, before payment); 403 {error: "wallet_not_allowed", message} (--allow).
A handler answer >= 400 is not settled, so it costs nothing.

Test-only control (free, not upstream):
  GET  /_fake/state  {"zones": [{"id", "domain", "owner_wallet", "status",
                                 "records": [Record as the list route shows them],
                                 "provider_records": [{"id", "type", "name", "content", "ttl",
                                     "proxied", "priority", "record_id": r_.. or null}]}],
                      "calls": {"METHOD /route/[param]": {"requests": n, "handled": n, "paid": n}},
                      "paid": {"count": n, "atomic": "units"}, "fail_next_batch": null | {...}}
                     requests = hits on the route, handled = handler runs (payment verified),
                     paid = answers carrying a successful PAYMENT-RESPONSE.
  POST /_fake/fail-next-batch {"mode": "after_apply"}
       the next batch that passes validation applies its changes at the provider, then fails
       as upstream does when its own database write fails: 500 {error: {code: "internal_error",
       message}}, and domain.sh's records are left as before (its SQLite transaction rolled
       back): created records exist only as provider records (record_id null) and are not
       listed; deleted ones are still listed (deleting them again answers 404 not_found, the
       provider having no such record); updated ones are listed with their old values.
  POST /_fake/fail-next-batch {"mode": "before_apply", "status": 500|429|502}
       the provider refuses the next batch, nothing changes: 500 -> internal_error,
       429/502 -> {error: {code: "cloudflare_error", message}} with that status.
  POST /_fake/reset  removes zones created through the API and all records, counts and traps;
                     the --zone zones stay (with the same ids), empty.
"""

import argparse
import json
import re
import secrets
import threading
from datetime import datetime, timezone
from decimal import Decimal

from eth_utils import to_checksum_address
from flask import Flask, g, jsonify, request
from werkzeug.serving import make_server

from x402 import x402ResourceServerSync
from x402.http import FacilitatorConfig, HTTPFacilitatorClientSync
from x402.http.middleware.flask import payment_middleware
from x402.http.utils import decode_payment_response_header, decode_payment_signature_header
from x402.mechanisms.evm.exact import register_exact_evm_server

from serving import serve

NETWORK = "eip155:84532"
# Upstream packages/domain/src/index.ts DOMAIN_ROUTES (commit 0104d45), zone and record routes.
PRICES = {
    "POST /v1/zones": "$0.001",
    "GET /v1/zones": "$0.001",
    "GET /v1/zones/[id]": "$0.001",
    "DELETE /v1/zones/[id]": "$0.001",
    "POST /v1/zones/[zone_id]/records/batch": "$0.005",
    "POST /v1/zones/[zone_id]/records": "$0.001",
    "GET /v1/zones/[zone_id]/records": "$0.001",
    "GET /v1/zones/[zone_id]/records/[id]": "$0.001",
    "PUT /v1/zones/[zone_id]/records/[id]": "$0.001",
    "DELETE /v1/zones/[zone_id]/records/[id]": "$0.001",
}

def _route_regex(path):  # x402's own "[param]" syntax: one path segment
    return re.compile("^" + re.sub(r"\\\[[a-z_]+\\\]", "[^/]+", re.escape(path)) + "$")


ROUTE_RE = [(k, k.split()[0], _route_regex(k.split()[1])) for k in PRICES]
LABEL = r"(?!-)[A-Za-z0-9-]{1,63}(?<!-)"
DOMAIN_RE = re.compile(rf"{LABEL}(\.{LABEL})+")
TYPES = ["A", "AAAA", "CNAME", "MX", "TXT", "SRV", "CAA", "NS"]
MAX_BODY, MAX_BATCH_OPS = 1024 * 1024, 200
NAME_SERVERS = ["ada.ns.cloudflare.com", "bob.ns.cloudflare.com"]

lock = threading.RLock()
zones, provider, rows = {}, {}, {}  # zone id -> Zone; -> {cf id: record}; -> {r_ id: row}
calls, paid, trap, seed = {}, {"count": 0, "atomic": 0}, [None], []
allowlist = set()


def now():
    return datetime.now(timezone.utc).isoformat(timespec="milliseconds").replace("+00:00", "Z")


def route_key(method, path):
    return next((k for k, m, rx in ROUTE_RE if m == method and rx.match(path)), None)


def err(status, code, message, **extra):
    return jsonify({"error": {"code": code, "message": message, **extra}}), status


def invalid(issues):
    return err(400, "validation_error", "Invalid request", issues=[{"path": p, "message": m} for p, m in issues])


def caller():
    return g.payment_payload.payload["authorization"]["from"]


def add_zone(domain, owner, zone_id=None):
    zid = zone_id or "z_" + secrets.token_hex(4)
    zones[zid] = {"id": zid, "domain": domain, "status": "active", "name_servers": NAME_SERVERS,
                  "owner_wallet": to_checksum_address(owner), "created_at": now()}
    provider[zid], rows[zid] = {}, {}
    return zones[zid]


def owned_zone(zone_id):
    """(zone, None) or (None, error answer), as upstream's checkZoneOwnership."""
    zone = zones.get(zone_id)
    if zone is None:
        return None, err(404, "not_found", "Zone not found")
    if zone["owner_wallet"].lower() != caller().lower():
        return None, err(403, "forbidden", "Forbidden")
    return zone, None


def full_name(name, domain):
    name = name.strip().rstrip(".").lower()
    if name in ("@", "", domain):
        return domain
    return name if name.endswith("." + domain) else f"{name}.{domain}"


def check_fields(entry, path, need_all):
    """Issues for one create (need_all) or update entry."""
    issues = []
    if not isinstance(entry, dict):
        return [(path, "Expected object")]
    p = f"{path}." if path else ""
    if need_all or "type" in entry:
        if entry.get("type") not in TYPES:
            issues.append((p + "type", f"Invalid record type. Must be one of: {', '.join(TYPES)}"))
    for field in ("name", "content"):
        if need_all or field in entry:
            if not isinstance(entry.get(field), str) or not entry.get(field):
                issues.append((p + field, f"Record {field} is required"))
    for field, kind in (("ttl", (int, float)), ("priority", (int, float)), ("proxied", bool)):
        v = entry.get(field)
        if v is not None and (not isinstance(v, kind) or (kind != bool and isinstance(v, bool))):
            issues.append((p + field, f"Expected {'boolean' if kind == bool else 'number'}"))
    if need_all and entry.get("type") == "MX" and entry.get("priority") is None:
        issues.append((p + "priority", "MX records require a priority"))
    return issues


def provider_record(zone, entry, old=None):
    rec = dict(old or {})
    rec.update({k: entry[k] for k in ("type", "name", "content", "ttl", "proxied", "priority") if k in entry})
    rec["name"] = full_name(rec["name"], zone["domain"])
    rec["ttl"] = 3600 if rec.get("ttl") is None else rec["ttl"]
    rec["proxied"] = bool(rec.get("proxied") or False)
    rec["priority"] = rec.get("priority") if rec["type"] in ("MX", "SRV") else None
    return rec


def record_json(row):
    return {k: row[k] for k in ("id", "zone_id", "type", "name", "content", "ttl", "proxied",
                                "priority", "created_at", "updated_at")}


def save_row(zid, cf_id, rid=None):
    rec, t = provider[zid][cf_id], now()
    rid = rid or "r_" + secrets.token_hex(4)
    old = rows[zid].get(rid)
    rows[zid][rid] = {**rec, "id": rid, "zone_id": zid, "cloudflare_id": cf_id,
                      "created_at": old["created_at"] if old else t, "updated_at": t}
    return record_json(rows[zid][rid])


def page(items, key):
    raw = request.args.get("limit", "20")
    try:
        limit = max(1, min(100, int(float(raw))))
    except ValueError:
        limit = 20
    after = request.args.get("after") or request.args.get("cursor")
    items = sorted(items, key=key)
    if after:
        items = [i for i in items if key(i) > after]
    data = items[:limit]
    full = len(data) == limit
    return jsonify({"data": data, "pagination": {"total": None, "per_page": limit,
                                                 "next_cursor": key(data[-1]) if full else None,
                                                 "has_more": full}})


def json_body():
    body = request.get_json(force=True, silent=True)  # like Hono c.req.json(): any Content-Type
    return body if isinstance(body, dict) else None


app = Flask("domainsh_fake")


@app.get("/")
def health():
    return jsonify({"service": "domain.sh", "status": "ok"})


@app.post("/v1/zones")
def create_zone():
    body = json_body()
    if body is None:
        return err(400, "invalid_request", "Invalid JSON body")
    domain = body.get("domain")
    if not isinstance(domain, str) or not DOMAIN_RE.fullmatch(domain):
        return err(400, "invalid_request", "Invalid domain format")
    with lock:
        if any(z["domain"] == domain for z in zones.values()):
            return err(400, "invalid_request", "Domain already registered")
        return jsonify({"zone": add_zone(domain, caller())}), 201


@app.get("/v1/zones")
def list_zones():
    with lock:
        mine = [z for z in zones.values() if z["owner_wallet"].lower() == caller().lower()]
    return page(mine, lambda z: z["id"])


@app.get("/v1/zones/<zone_id>")
def get_zone(zone_id):
    with lock:
        zone, error = owned_zone(zone_id)
        return error or jsonify(zone)


@app.delete("/v1/zones/<zone_id>")
def delete_zone(zone_id):
    with lock:
        zone, error = owned_zone(zone_id)
        if error:
            return error
        for d in (zones, provider, rows):
            d.pop(zone_id)
        return jsonify({"status": "deleted"})


@app.post("/v1/zones/<zone_id>/records")
def create_record(zone_id):
    body = json_body()
    if body is None:
        return err(400, "invalid_request", "Invalid JSON body")
    with lock:
        zone, error = owned_zone(zone_id)
        if error:
            return error
        issues = check_fields(body, "", need_all=True)
        if issues:
            return invalid(issues)
        cf_id = secrets.token_hex(16)
        provider[zone_id][cf_id] = provider_record(zone, body)
        return jsonify(save_row(zone_id, cf_id)), 201


@app.get("/v1/zones/<zone_id>/records")
def list_records(zone_id):
    with lock:
        zone, error = owned_zone(zone_id)
        if error:
            return error
        listed = [record_json(r) for r in rows[zone_id].values()]
    return page(listed, lambda r: r["id"])


def owned_row(zone_id, record_id):
    zone, error = owned_zone(zone_id)
    if error:
        return None, None, error
    row = rows[zone_id].get(record_id)
    if row is None:
        return None, None, err(404, "not_found", "Record not found")
    if row["cloudflare_id"] not in provider[zone_id]:
        return None, None, err(404, "not_found", "Record does not exist. (Cloudflare 81044)")
    return zone, row, None


@app.get("/v1/zones/<zone_id>/records/<record_id>")
def get_record(zone_id, record_id):
    with lock:
        zone, error = owned_zone(zone_id)
        row = None if error else rows[zone_id].get(record_id)
        if error or row is None:
            return error or err(404, "not_found", "Record not found")
        return jsonify(record_json(row))


@app.put("/v1/zones/<zone_id>/records/<record_id>")
def update_record(zone_id, record_id):
    body = json_body()
    if body is None:
        return err(400, "invalid_request", "Invalid JSON body")
    with lock:
        zone, row, error = owned_row(zone_id, record_id)
        if error:
            return error
        issues = check_fields(body, "", need_all=False)
        if issues:
            return invalid(issues)
        cf_id = row["cloudflare_id"]
        provider[zone_id][cf_id] = provider_record(zone, body, provider[zone_id][cf_id])
        return jsonify(save_row(zone_id, cf_id, record_id))


@app.delete("/v1/zones/<zone_id>/records/<record_id>")
def delete_record(zone_id, record_id):
    with lock:
        zone, row, error = owned_row(zone_id, record_id)
        if error:
            return error
        del provider[zone_id][row["cloudflare_id"]], rows[zone_id][record_id]
        return jsonify({"status": "deleted"})


@app.post("/v1/zones/<zone_id>/records/batch")
def batch(zone_id):
    body = json_body()
    if body is None:
        return err(400, "invalid_request", "Invalid JSON body")
    with lock:
        zone, error = owned_zone(zone_id)
        if error:
            return error
        ops, issues = {}, []
        for part in ("create", "update", "delete"):
            ops[part] = body.get(part) or []
            if not isinstance(ops[part], list):
                issues.append((part, "Expected array"))
                ops[part] = []
        total = sum(len(v) for v in ops.values())
        if total == 0:
            issues.append(("", "Batch request must have at least one operation"))
        if total > MAX_BATCH_OPS:
            issues.append(("", f"Batch request exceeds {MAX_BATCH_OPS} operation limit"))
        for i, e in enumerate(ops["create"]):
            issues += check_fields(e, f"create.{i}", need_all=True)
        for part in ("update", "delete"):
            for i, e in enumerate(ops[part]):
                if not isinstance(e, dict) or not isinstance(e.get("id"), str) or not e["id"]:
                    issues.append((f"{part}.{i}.id", "Record id is required"))
                elif part == "update":
                    issues += check_fields(e, f"update.{i}", need_all=False)
        if issues:
            return invalid(issues)
        for e in ops["update"] + ops["delete"]:
            if e["id"] not in rows[zone_id]:
                return err(404, "not_found", f"Record not found: {e['id']}")
        mode, trap[0] = trap[0], None
        if mode and mode["mode"] == "before_apply":
            status = int(mode.get("status", 500))
            code = "internal_error" if status == 500 else "cloudflare_error"
            return err(status, code, f"Cloudflare API error (HTTP {status})")
        cf = provider[zone_id]
        targets = [rows[zone_id][e["id"]]["cloudflare_id"] for e in ops["update"] + ops["delete"]]
        if any(t not in cf for t in targets):  # the provider's batch is all or nothing
            return err(404, "not_found", "Record does not exist. (Cloudflare 81044)")
        for e in ops["delete"]:  # Cloudflare's batch order: deletes, patches, posts
            cf.pop(rows[zone_id][e["id"]]["cloudflare_id"], None)
        for e in ops["update"]:
            cf_id = rows[zone_id][e["id"]]["cloudflare_id"]
            cf[cf_id] = provider_record(zone, {k: v for k, v in e.items() if k != "id"}, cf[cf_id])
        posted = []
        for e in ops["create"]:
            posted.append(secrets.token_hex(16))
            cf[posted[-1]] = provider_record(zone, e)
        if mode and mode["mode"] == "after_apply":  # domain.sh's own transaction rolls back
            return err(500, "internal_error",
                       "Internal error applying batch — CF succeeded but local DB update failed")
        for e in ops["delete"]:
            del rows[zone_id][e["id"]]
        updated = [save_row(zone_id, rows[zone_id][e["id"]]["cloudflare_id"], e["id"]) for e in ops["update"]]
        created = [save_row(zone_id, cf_id) for cf_id in posted]
        return jsonify({"created": created, "updated": updated,
                        "deleted": [{"id": e["id"]} for e in ops["delete"]]})


@app.get("/_fake/state")
def fake_state():
    with lock:
        out = []
        for zid, z in zones.items():
            by_cf = {r["cloudflare_id"]: rid for rid, r in rows[zid].items()}
            out.append({"id": zid, "domain": z["domain"], "owner_wallet": z["owner_wallet"],
                        "status": z["status"],
                        "records": sorted((record_json(r) for r in rows[zid].values()), key=lambda r: r["id"]),
                        "provider_records": [{"id": cf_id, **rec, "record_id": by_cf.get(cf_id)}
                                             for cf_id, rec in provider[zid].items()]})
        return jsonify({"zones": out, "calls": calls, "paid": {"count": paid["count"], "atomic": str(paid["atomic"])},
                        "fail_next_batch": trap[0]})


@app.post("/_fake/fail-next-batch")
def fake_fail_next_batch():
    body = json_body() or {}
    if body.get("mode") not in ("after_apply", "before_apply"):
        return jsonify({"error": "mode must be after_apply or before_apply"}), 400
    if body["mode"] == "before_apply" and int(body.get("status", 500)) not in (500, 429, 502):
        return jsonify({"error": "status must be 500, 429 or 502"}), 400
    with lock:
        trap[0] = {"mode": body["mode"], **({"status": int(body.get("status", 500))}
                                             if body["mode"] == "before_apply" else {})}
    return jsonify({"fail_next_batch": trap[0]})


@app.post("/_fake/reset")
def fake_reset():
    with lock:
        for d in (zones, provider, rows):
            d.clear()
        calls.clear()
        paid.update(count=0, atomic=0)
        trap[0] = None
        for domain, owner, zid in seed:
            add_zone(domain, owner, zid)
    return fake_state()


@app.errorhandler(404)
def not_found(_):
    return err(404, "not_found", "Not found")


@app.errorhandler(405)
def not_allowed(_):
    return err(405, "method_not_allowed", "Method not allowed")


def atomic(price):
    return int(Decimal(price.lstrip("$")) * 10**6)


def outer(inner):
    """WSGI layers upstream runs before x402 (body limit, allowlist), and the counters."""
    def app_(environ, start_response):
        key = route_key(environ["REQUEST_METHOD"], environ.get("PATH_INFO", ""))
        if int(environ.get("CONTENT_LENGTH") or 0) > MAX_BODY:
            return answer(start_response, "413 Payload Too Large", {"error": "Request too large"})
        if key:
            with lock:
                calls.setdefault(key, {"requests": 0, "handled": 0, "paid": 0})["requests"] += 1
            header = environ.get("HTTP_PAYMENT_SIGNATURE") or environ.get("HTTP_X_PAYMENT")
            if allowlist and header and payer_of(header) not in allowlist:
                return answer(start_response, "403 Forbidden",
                              {"error": "wallet_not_allowed", "message": "This service is in private beta"})

        def start(status, headers, exc_info=None):
            settled = next((v for k, v in headers if k.lower() == "payment-response"), None)
            if key and settled:
                try:
                    if decode_payment_response_header(settled).success:
                        with lock:
                            calls[key]["paid"] += 1
                            paid["count"] += 1
                            paid["atomic"] += atomic(PRICES[key])
                except Exception:
                    pass
            return start_response(status, headers, exc_info)
        return inner(environ, start)
    return app_


def payer_of(header):
    try:
        return decode_payment_signature_header(header).payload["authorization"]["from"].lower()
    except Exception:
        return None


def answer(start_response, status, body):
    data = json.dumps(body).encode()
    start_response(status, [("Content-Type", "application/json"), ("Content-Length", str(len(data)))])
    return [data]


@app.before_request
def count_handled():
    key = route_key(request.method, request.path)
    if key and getattr(g, "payment_payload", None) is not None:
        with lock:
            calls[key]["handled"] += 1


def main():
    ap = argparse.ArgumentParser(description="A contract fake of upstream domain.sh's DNS API.")
    ap.add_argument("--listen", default="127.0.0.1:4030", help="HOST:PORT")
    ap.add_argument("--facilitator", required=True, help="x402 facilitator base URL")
    ap.add_argument("--pay-to", required=True, help="address paid for every route")
    ap.add_argument("--zone", action="append", default=[], metavar="NAME=WALLET")
    ap.add_argument("--allow", action="append", default=[], metavar="WALLET")
    ap.add_argument("--pid-file")
    args = ap.parse_args()
    for z in args.zone:
        domain, _, owner = z.partition("=")
        seed.append((domain.lower(), owner, add_zone(domain.lower(), owner)["id"]))
    allowlist.update(a.lower() for a in args.allow)

    server = x402ResourceServerSync(HTTPFacilitatorClientSync(FacilitatorConfig(url=args.facilitator)))
    register_exact_evm_server(server, NETWORK)
    routes = {k: {"accepts": {"scheme": "exact", "network": NETWORK, "payTo": args.pay_to, "price": p},
                  "description": f"domain.sh {k}", "mimeType": "application/json"}
              for k, p in PRICES.items()}
    payment_middleware(app, routes, server)  # replaces app.wsgi_app
    app.wsgi_app = outer(app.wsgi_app)

    host, _, port = args.listen.rpartition(":")
    httpd = make_server(host, int(port), app, threaded=True)
    serve(httpd, args.pid_file, f"domainsh_fake: listening on http://{host}:{port}, zones "
                f"{', '.join(f'{d}={zid}' for d, _, zid in seed) or 'none'}")


if __name__ == "__main__":
    main()
