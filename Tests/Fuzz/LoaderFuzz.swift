// libFuzzer entry point for the state loader: every input is one state file, placed at the
// path its first byte picks, loaded with a host and a prim beside it. Built and run by
// scripts/fuzz-loader; not part of the package (it has no main of its own).
import PrimModel

let paths = [
    "prims/f.yaml", "primitives.yaml", "packages/f/prim.yaml", "hosts/h.yaml", "secrets/S.yaml",
    "dns/f.test.yaml", "providers/p.yaml", "policy.yaml",
]

@_cdecl("LLVMFuzzerTestOneInput")
public func loaderFuzz(_ data: UnsafePointer<UInt8>, _ size: Int) -> Int32 {
    guard size > 0 else { return 0 }
    let bytes = Array(UnsafeBufferPointer(start: data + 1, count: size - 1))
    let path = paths[Int(data[0]) % paths.count]
    var entries: [String: StateSnapshot.Entry] = [
        "hosts/h.yaml": .file(Array("domain: f.test\naddress: 127.0.0.1\n".utf8)),
        "prims/g.yaml": .file(Array("id: g\nstatus: live\nport: 3001\n".utf8)),
    ]
    entries[path] = .file(bytes)
    _ = StateLoader.load(StateSnapshot(entries: entries))
    return 0
}
