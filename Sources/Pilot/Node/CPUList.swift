/// The kernel's CPU list format: `0-3,8,10-11` (cpuset, `online`, `Cpus_allowed_list`).
enum CPUList {
    /// The CPU numbers in the list, sorted and unique; nil when the text is not a CPU list.
    static func parse(_ text: String) -> [Int]? {
        let body = text.trimmed
        if body.isEmpty { return [] }
        var cpus = Set<Int>()
        for range in body.split(separator: ",", omittingEmptySubsequences: false) {
            let ends = range.split(separator: "-", maxSplits: 1, omittingEmptySubsequences: false)
            guard let low = Int(ends[0].trimmed) else { return nil }
            let high = ends.count == 2 ? Int(ends[1].trimmed) : low
            guard let high, high >= low else { return nil }
            cpus.formUnion(low...high)
        }
        return cpus.sorted()
    }
}
