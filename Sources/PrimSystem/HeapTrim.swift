import CShims

/// Gives the heap's free memory back to the system. A reconcile of a large state allocates tens of
/// megabytes for a moment (the rendered state, the observation, the plan); glibc keeps what it freed
/// in its arenas, so a daemon that idles between reconciles would hold its peak for good.
public enum HeapTrim {
    public static func now() { prim_heap_trim() }
}
