/// The Caddyfile Caddy starts from on a prim host (`caddy.main`): prim's header (global options,
/// snippets, the 404 for names no prim serves), prim's sites, then the operator's own Caddyfiles
/// (`caddy.import`). primd rewrites it on every load, and `primctl host init` writes the first one.
extension HostConfig {
    /// The operator's Caddyfiles, imported after prim's sites in every config prim composes.
    public var caddyOperatorImports: String {
        caddyImports.map { "import \($0)\n" }.joined()
    }

    /// The main Caddyfile for the header text `header`.
    public func caddyMainText(header: String) -> String {
        header + "\nimport \(caddyFragmentDir)/*.caddy\n" + caddyOperatorImports
    }
}
