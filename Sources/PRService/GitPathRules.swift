import Foundation

/// git's own rules for a path in a tree (read-cache.c `verify_path`, path.c `is_ntfs_dotgit`,
/// utf8.c `is_hfs_dotgit`, compat/mingw.c `is_valid_win32_path`), for every platform at once: a
/// path git on macOS or Windows would refuse to check out, or would read as `.git`, is refused on
/// Linux too. Pure.
public enum GitPathRules {
    /// A rule a path breaks, as the refusal names it.
    public enum Rule: String, Sendable, CaseIterable {
        /// `.git` in any case.
        case dotgit = "dotgit"
        /// `.git` once HFS+ drops the code points it ignores (U+200C–U+200F, U+202A–U+202E, U+206A–U+206F, U+FEFF).
        case hfsDotgit = "hfs-dotgit"
        /// `.git` followed by dots, spaces or an NTFS stream (`.git. `, `.git::$INDEX_ALLOCATION`).
        case ntfsDotgit = "ntfs-dotgit"
        /// `git~1`, the 8.3 short name NTFS gives `.git`.
        case ntfsShortName = "ntfs-short-name"
        /// `.gitmodules` in any spelling git recognises (HFS+, NTFS, `gitmod~1`, `gi7eba~1`): pr.sh writes no submodules.
        case gitmodules = "gitmodules"
        /// A code point HFS+ ignores, anywhere: it makes two different names look the same.
        case invisible = "invisible-character"
        /// A name Windows cannot hold: `< > : " | ? *`, a trailing dot or space, or a device name (`CON`, `nul.txt`, `COM1`).
        case win32Name = "win32-name"
        /// A name longer than 255 bytes: no common file system holds it, so no checkout or release can.
        case nameLength = "name-length"
        /// A name not in Unicode's composed form (NFC): it has a twin that looks and compares the same
        /// (`café` as `cafe` + U+0301), which macOS and Swift treat as one file and git as two.
        case nfc = "nfc"
    }

    /// The code points HFS+ ignores when it compares names (git's `next_hfs_char`).
    static let hfsIgnorable: Set<UInt32> = Set([
        0x200C, 0x200D, 0x200E, 0x200F, 0x202A, 0x202B, 0x202C, 0x202D, 0x202E,
        0x206A, 0x206B, 0x206C, 0x206D, 0x206E, 0x206F, 0xFEFF,
    ])
    static let win32Reserved: Set<String> = Set(
        ["con", "prn", "aux", "nul", "conin$", "conout$"]
            + ["1", "2", "3", "4", "5", "6", "7", "8", "9", "\u{B9}", "\u{B2}", "\u{B3}"].flatMap {
                ["com\($0)", "lpt\($0)"]
            })

    /// The first rule a `/`-separated path breaks and why, or nil.
    public static func violation(_ path: String) -> (rule: Rule, message: String)? {
        for segment in path.split(separator: "/") {
            if let found = violation(segment: String(segment)) { return found }
        }
        return nil
    }

    static func violation(segment: String) -> (rule: Rule, message: String)? {
        if segment.utf8.count > 255 {
            return (
                .nameLength, "has a name of \(segment.utf8.count) bytes; a file or folder name may hold at most 255"
            )
        }
        if Array(segment.precomposedStringWithCanonicalMapping.unicodeScalars) != Array(segment.unicodeScalars) {
            return (
                .nfc,
                "is not in Unicode's composed form (NFC) in '\(escaped(segment))'; write it composed (é as one character), so it has no look-alike twin"
            )
        }
        let lower = segment.lowercased()
        if lower == ".git" { return (.dotgit, "names a .git folder") }
        let visible = String(
            String.UnicodeScalarView(segment.unicodeScalars.filter { !hfsIgnorable.contains($0.value) })
        ).lowercased()
        if visible != lower {
            if visible == ".git" {
                return (
                    .hfsDotgit, "is '.git' on macOS (HFS+ ignores the invisible characters in '\(escaped(segment))')"
                )
            }
            if visible == ".gitmodules" {
                return (
                    .gitmodules,
                    "is '.gitmodules' on macOS (HFS+ ignores the invisible characters in '\(escaped(segment))')"
                )
            }
            let scalar = segment.unicodeScalars.first { hfsIgnorable.contains($0.value) }!
            return (
                .invisible,
                "contains the invisible character U+\(hex(scalar.value)) in '\(escaped(segment))'; write names without it"
            )
        }
        if ntfsName(lower, is: ".git") {
            return (.ntfsDotgit, "is '.git' on Windows (NTFS drops trailing dots and spaces and reads ':' as a stream)")
        }
        if ntfsName(lower, is: "git~1") { return (.ntfsShortName, "is 'git~1', the short name Windows gives '.git'") }
        if ntfsName(lower, is: ".gitmodules") || (1...4).contains(where: { ntfsName(lower, is: "gitmod~\($0)") })
            || (1...9).contains(where: { ntfsName(lower, is: "gi7eba~\($0)") })
        {
            return (
                .gitmodules,
                "is '.gitmodules' as git on some platform reads it; pr.sh writes no submodule configuration"
            )
        }
        if let bad = segment.first(where: { "<>:\"|?*".contains($0) }) {
            return (.win32Name, "contains '\(bad)', which Windows does not allow in a name")
        }
        if segment.hasSuffix(".") || segment.hasSuffix(" ") {
            return (.win32Name, "has a segment ending in a dot or a space, which Windows drops")
        }
        let device = lower.prefix { $0 != "." }.trimmingTrailingSpaces
        if win32Reserved.contains(device) {
            return (.win32Name, "uses '\(device)', a device name on Windows")
        }
        return nil
    }

    /// `name` followed only by dots and spaces, then the end or an NTFS stream (`:`).
    static func ntfsName(_ lower: String, is name: String) -> Bool {
        guard lower.hasPrefix(name) else { return false }
        let rest = lower.dropFirst(name.count)
        let stream = rest.firstIndex(of: ":") ?? rest.endIndex
        return rest[..<stream].allSatisfy { $0 == "." || $0 == " " }
    }

    static func escaped(_ text: String) -> String {
        text.unicodeScalars.map {
            $0.isASCII && $0.value >= 0x20 && $0.value != 0x7F ? String($0) : "\\u{\(hex($0.value))}"
        }.joined()
    }

    static func hex(_ value: UInt32) -> String {
        let digits = String(value, radix: 16, uppercase: true)
        return String(repeating: "0", count: max(0, 4 - digits.count)) + digits
    }
}

private extension Substring {
    var trimmingTrailingSpaces: String {
        var text = String(self)
        while text.hasSuffix(" ") { text.removeLast() }
        return text
    }
}
