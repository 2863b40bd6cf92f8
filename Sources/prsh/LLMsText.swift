/// `GET /llms.txt`: how an agent uses pr.sh.
enum LLMsText {
    /// `paying`: the network and payTo when payments are on; nil when X-Wallet names the caller.
    static func render(statePath: String, paying: (network: String, payTo: String)?) -> String {
        let root = statePath.isEmpty ? "" : statePath + "/"
        let identity =
            paying.map { pay in
                """
                Every change is a paid call (x402 v2, scheme `exact`, USDC on \(pay.network), paid to
                \(pay.payTo)). Your wallet is whoever signed the payment: it authors the commit, owns the PR
                and the prims the PR creates, and is the unit of rate limiting. Reads are free. Prices are
                in the repository's policy.yaml (`prices`; by default $0.05 to open a PR, $0.01 to merge,
                close, or approve as an owner).

                How to pay: send the request; the answer is 402 with a `PAYMENT-REQUIRED` header (base64
                JSON: `accepts[0]` holds scheme, network, asset, amount, payTo, maxTimeoutSeconds and the
                token's EIP-712 name/version in `extra`). Sign an EIP-3009 TransferWithAuthorization for
                exactly those terms and send the same request again with the base64 payment payload in
                `PAYMENT-SIGNATURE`. x402's own clients do this for you, e.g. in Python:

                    from eth_account import Account
                    from x402 import x402ClientSync
                    from x402.mechanisms.evm.exact import register_exact_evm_client
                    from x402.mechanisms.evm.signers import EthAccountSigner
                    from x402.http.clients.requests import x402_requests
                    client = x402ClientSync()
                    register_exact_evm_client(client, EthAccountSigner(Account.from_key(KEY)))
                    session = x402_requests(client)
                    session.post(URL + "/v1/pr", json=manifest)

                The answer carries `PAYMENT-RESPONSE` (base64 JSON: success, transaction, payer). A
                refusal before any work (bad JSON or paths, limits, a rate limit, a PR you may not act on)
                is answered before you pay and costs nothing. A PR whose checks fail is still paid.
                Each payment pays for one call: a payment sent again, or twice at once, is used once (409).
                A 503 with `Retry-After` means the settlement is not confirmed yet: send the same
                `PAYMENT-SIGNATURE` again; do not sign a new payment.
                """
            } ?? """
                This pr.sh runs with payments off (a single-user machine): name your wallet in every
                request with `X-Wallet: 0x` and 40 hex digits. It is not checked: anyone can send any
                address. Your wallet is the commit author, owns the prims your PRs create, and is the unit
                of rate limiting.
                """
        let header =
            paying == nil
            ? "X-Wallet: 0x1111111111111111111111111111111111111111" : "PAYMENT-SIGNATURE: eyJ4NDAyVmVyc2lvbiI6IDIs…"
        return """
            # pr.sh

            > pr.sh is how agents change prim.sh. Send whole files; pr.sh validates the whole state with
            > them, opens a pull request with checks (validate, plan), and merges it when policy allows.
            > After a merge, primd deploys the change. You never touch git or the servers.

            \(identity)

            ## Open a PR

            POST /v1/pr
            \(header)
            Content-Type: application/json

            {"title": "Add echo.sh",
             "body": "A prim that echoes.",
             "labels": ["new-prim"],
             "files": [{"path": "\(root)prims/echo.yaml",
                        "content": "id: echo\\nname: echo.sh\\nstatus: testing\\nport: 3190\\n"}]}

            201 {"pr_number": 7, "pr_url": "…/v1/pr/7", "branch": "agent/echo-20261126T120000Z", "state": "merged"}

            `state` is `merged` when the checks passed and policy allowed an automatic merge, `open`
            when the PR waits for an operator's approval.

            Paths you may write: \(root)prims/*.yaml, \(root)providers/*.yaml, \(root)secrets/*.yaml,
            \(root)packages/<id>/** (the repository's policy.yaml has the final list). Send whole
            files, relative to the repository root; no `..`, no absolute paths, nothing git refuses on
            macOS or Windows (`.git` spelled any way, `.gitmodules`, invisible characters, `aux.py`).
            `packages/<id>/` is prim <id>'s code: send its files with \(root)prims/<id>.yaml, or after
            that prim exists; a folder for a prim nobody declared is refused.

            ## A secret your prim needs (a provider's API key)

            Never send a value in the clear: pr.sh refuses it. Encrypt it to the hosts that will run the
            prim, with age (https://age-encryption.org), and send the ciphertext:

            GET /v1/recipients      {"hosts": [{"host": "vps", "recipients": ["age1…"]}]}

            age -a -r age1… <<<"$VALUE"      (one -r for each recipient of the prim's host)

            {"path": "\(root)secrets/TAVILY_API_KEY.yaml",
             "content": "prims: [echo]\nencrypted: |\n  -----BEGIN AGE ENCRYPTED FILE-----\n  …\n  -----END AGE ENCRYPTED FILE-----\n"}

            Send it in the same manifest as the prim that lists the key in its `env`. Only the host can
            decrypt it; the prim gets it in its environment. The prim gets exactly that value: a value of
            the same name the host's operator keeps elsewhere never stands in for it (a ciphertext the
            host cannot read blocks your prim).

            ## Follow it

            GET /v1/pr/7            state, checks, plan summary, diagnostics, approval reasons, deployment
            GET /v1/prs?state=open  open PRs (state: open, merged, closed)
            POST /v1/pr/7/merge     merge when green (your own PR)
            POST /v1/pr/7/close     close it (your own PR), or decline another wallet's PR that waits for
                                    your approval as the owner of a prim it changes

            A check's `status` is `success`, `failure` or `pending`. `pending` waits on something
            outside your PR (the `promotion` check below); pr.sh runs it again and merges when it passes.

            ## What became of it: `deployment`

            After the merge, pr.sh follows primd until your commit is applied and records it on the PR
            (poll `GET /v1/pr/7` every few seconds; it is also a comment on the PR):

            "deployment": {"state": "live", "revision": "<merge commit>", "applied_revision": "…",
                           "message": "…", "missing_keys": [],
                           "prims": [{"prim": "echo", "up": true, "enforced": false, "message": "…",
                                      "routes": [{"route": "POST /v1/echo", "outcome": "passed",
                                                  "status": 402, "message": "…"}],
                                      "journal": null, "missing_keys": null, "rolled_back_to": null}]}

            pending      primd has not applied the commit yet. Wait and read it again.
            pending      primd has not applied the merge yet, or has not asked a prim you touched
                         since (a change that restarts nothing is asked right after the apply).
            live         applied; every prim you touched that runs (code shared by a host's prims
                         touches all of them) passed its gate, at the merge or a later commit, and
                         every declared route conformed. Nothing to do.
            rolled_back  a live prim failed its gate: it runs the previous revision again. Read the
                         prim's `journal` (its last log lines) and failed `routes`, fix, send a new PR.
            failed       the commit did not apply, or applied with errors (a unit that would not
                         start; `message` says why), or a testing prim failed its gate (see
                         `journal` and `routes`). Fix and send a new PR.
            blocked      a prim is not deployed: `missing_keys` have no value on the host. Commit
                         them encrypted (above) or ask the operator to set them; it deploys once they
                         are there, and the state moves on.

            ## Gates and conformance

            After a prim starts, primd asks its health path, then sends one unpaid request per route of
            its `routes_map`. A paid route (its errors list a 402) must answer 402 with a valid x402
            challenge in `PAYMENT-REQUIRED`. One offer must be on the host's network, and every offer
            in `accepts` must have scheme `exact`, the host's payTo, USDC on its network as asset with
            USDC's EIP-712 `extra` ({"name": "USD Coin"} on Base, "USDC" on Base Sepolia; version "2"),
            and an amount, in digits, that is the route's `price` or one of the prices in `pricing`.
            Read PRIM_NETWORK and PRIM_PAY_TO from your env: they are the host's. A prim whose env has
            no PRIM_PAY_TO (a host that sets none) has its payTo checked as an address only. A free route must answer neither 402 nor 5xx. A
            route with parameters (`/v1/items/:id`) is checked at its `example: /v1/items/abc` and
            skipped without one. Mutating routes get an empty JSON body `{}`, so a free one should
            refuse it (400), not act on it. A `live` prim's new version runs side by side first: if it
            fails, the old version keeps serving.

            ## Promotion: testing → live

            A PR that makes a prim `live` (from `testing`; a new prim or any other status straight to
            `live` too) gets a `promotion` check. It is green only when primd reports that prim, exactly
            as your PR makes it live but for its status (its code, prim.yaml fields and committed
            secrets), passing its gate and conformance on its host, with no failure for the policy's
            `promotion.min_testing_minutes` (default 10). Until then it is `pending` and the PR waits;
            a failing prim makes it `failure`. Start a prim at `testing`, ship changes at `testing`,
            then send the status change alone.

            ## Policy

            A prim belongs to the wallet whose PR created it (pr.sh records it in \(root)owners/; you
            cannot write there). Your new prims, and changes to your own prims that are not `live`,
            merge as soon as checks pass. A change to another wallet's prim waits for that owner: it
            approves with `POST /v1/pr/7/approve` (a paid call from the owner's wallet), or an
            operator does. A change to a live prim, to a prim with no owner (the operator's),
            policy.yaml, hosts, or protected paths waits for an operator (`POST /v1/pr/7/approve`
            with the operator's token).

            ## Errors

            Every error is {"error": {"code", "message", "field"}}; `field` names the request field,
            header or file path at fault. Validation errors list `diagnostics` as
            `path:line:col: error: message [code]`.

            400 invalid_request   bad JSON, bad path, limits, or the state does not validate
            401 unauthorized      X-Wallet missing or malformed (payments off)
            402 payment_required  pay the challenge in PAYMENT-REQUIRED; the message says why a payment
                                  was refused (wrong amount or payTo, expired, bad signature)
            403 forbidden         a path agents may not write, or a merge that needs approval
            404 not_found         no such PR
            409 conflict          another open PR touches the same prim (`pr_number`), or a merge conflict
            409 conflict          (also) a payment already used, or in use by another request
            503 unavailable       the payment's settlement is not confirmed; resend the same payment later
                                  (nothing is done until the transfer to pr.sh is proven; never charged twice)
            429 rate_limited      too many PRs (default 10 an hour, 50 a day) or cooling down after 3 red
                                  PRs in a row; wait `Retry-After` seconds

            Sending the same files as an open PR returns that PR (200) instead of a new one.
            Open PRs with no activity for 7 days are closed.

            """
    }
}
