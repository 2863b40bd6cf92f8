/// prim's version, the one number `primctl --version`, `primd --version` and `prsh --version`
/// print. A package build adds the commit it was built from (`scripts/package`).
public enum PrimVersion {
    public static let number = "0.26.0"
}
