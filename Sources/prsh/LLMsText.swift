/// `GET /llms.txt`: how an agent uses pr.sh.
enum LLMsText {
    static func render(statePath: String) -> String {
        let root = statePath.isEmpty ? "" : statePath + "/"
        return """
        # pr.sh

        > pr.sh is how agents change prim.sh. Send whole files; pr.sh validates the whole state with
        > them, opens a pull request with checks (validate, plan), and merges it when policy allows.
        > After a merge, primd deploys the change. You never touch git or the servers.

        Identify yourself with your wallet in every request: `X-Wallet: 0x` and 40 hex digits.
        Your wallet is the commit author and the unit of rate limiting.

        ## Open a PR

        POST /v1/pr
        X-Wallet: 0x1111111111111111111111111111111111111111
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
        files, relative to the repository root; no `..`, no absolute paths.

        ## A secret your prim needs (a provider's API key)

        Never send a value in the clear: pr.sh refuses it. Encrypt it to the hosts that will run the
        prim, with age (https://age-encryption.org), and send the ciphertext:

        GET /v1/recipients      {"hosts": [{"host": "vps", "recipients": ["age1…"]}]}

        age -a -r age1… <<<"$VALUE"      (one -r for each recipient of the prim's host)

        {"path": "\(root)secrets/TAVILY_API_KEY.yaml",
         "content": "prims: [echo]\nencrypted: |\n  -----BEGIN AGE ENCRYPTED FILE-----\n  …\n  -----END AGE ENCRYPTED FILE-----\n"}

        Send it in the same manifest as the prim that lists the key in its `env`. Only the host can
        decrypt it; the prim gets it in its environment.

        ## Follow it

        GET /v1/pr/7            state, checks, plan summary, diagnostics, approval reasons
        GET /v1/prs?state=open  open PRs (state: open, merged, closed)
        POST /v1/pr/7/merge     merge when green (your own PR)
        POST /v1/pr/7/close     close it (your own PR)

        ## Policy

        New prims, and changes to prims that are not `live`, merge as soon as checks pass. A change to
        a live prim, policy.yaml, hosts, or protected paths waits for an operator
        (`POST /v1/pr/7/approve` with the operator's token).

        ## Errors

        Every error is {"error": {"code", "message", "field"}}; `field` names the request field,
        header or file path at fault. Validation errors list `diagnostics` as
        `path:line:col: error: message [code]`.

        400 invalid_request   bad JSON, bad path, limits, or the state does not validate
        401 unauthorized      X-Wallet missing or malformed
        403 forbidden         a path agents may not write, or a merge that needs approval
        404 not_found         no such PR
        409 conflict          another open PR touches the same prim (`pr_number`), or a merge conflict
        429 rate_limited      too many PRs (default 10 an hour, 50 a day) or cooling down after 3 red
                              PRs in a row; wait `Retry-After` seconds

        Sending the same files as an open PR returns that PR (200) instead of a new one.
        Open PRs with no activity for 7 days are closed.

        """
    }
}
