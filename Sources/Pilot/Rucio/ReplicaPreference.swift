/// Where this node runs, for choosing replicas: the region and cloud (`us-east-1`, `aws`).
struct NodeLocation: Sendable, Equatable {
    var region: String?
    var cloud: String?
    /// Where the region came from (`rucio.region`, a label file, `AWS_REGION`), for the log.
    var source: String?

    /// Variables cloud SDKs and runtimes set, with the cloud each implies.
    static let regionVariables: [(variable: String, cloud: String)] = [
        ("AWS_REGION", "aws"), ("AWS_DEFAULT_REGION", "aws"),
        ("GOOGLE_CLOUD_REGION", "gcp"), ("CLOUDSDK_COMPUTE_REGION", "gcp"),
        ("AZURE_REGION", "azure"),
    ]

    /// The Kubernetes labels that carry a node's region (the legacy one too).
    static let regionLabels = ["topology.kubernetes.io/region", "failure-domain.beta.kubernetes.io/region"]

    /// The configured region and cloud, else the node labels file's, else the cloud environment's.
    static func detect(settings: RucioSettings, environment: [String: String], labels: String?) -> NodeLocation {
        var location = NodeLocation(region: settings.region, cloud: settings.cloud, source: settings.region.map { _ in "rucio.region" })
        if location.region == nil, let labels {
            let values = parseLabels(labels)
            if let label = regionLabels.first(where: { values[$0] != nil }) {
                location.region = values[label]
                location.source = settings.nodeLabelsFile ?? "node labels"
            }
            location.cloud = location.cloud ?? values["pilot.cloud"] ?? values["cloud"]
        }
        if location.region == nil,
           let (variable, cloud) = regionVariables.first(where: { !(environment[$0.variable] ?? "").isEmpty }) {
            location.region = environment[variable]
            location.cloud = location.cloud ?? cloud
            location.source = variable
        }
        return location
    }

    /// A downward-API labels file: `key="value"` per line (quotes optional, escapes kept simple).
    static func parseLabels(_ text: String) -> [String: String] {
        var values: [String: String] = [:]
        for line in text.split(whereSeparator: \.isNewline) {
            guard let equals = line.firstIndex(of: "=") else { continue }
            let key = line[..<equals].trimmed
            var value = line[line.index(after: equals)...].trimmed
            if value.count >= 2, value.hasPrefix("\""), value.hasSuffix("\"") {
                value = String(value.dropFirst().dropLast()).replacing("\\\"", with: "\"")
            }
            if !key.isEmpty { values[key] = value }
        }
        return values
    }
}

/// Orders replicas: those in this node's region first, then those in its cloud, then the rest,
/// each group in Rucio's order (which already reflects its own distance sorting).
struct ReplicaPreference: Sendable, Equatable {
    var location: NodeLocation

    /// How close an RSE is: 0 same region, 1 same cloud, 2 elsewhere or unknown.
    func rank(attributes: [String: String]?) -> Int {
        guard let attributes else { return 2 }
        if let region = location.region, attributes["region"]?.lowercased() == region.lowercased() { return 0 }
        if let cloud = location.cloud, attributes["cloud"]?.lowercased() == cloud.lowercased() { return 1 }
        return 2
    }

    /// `sources` reordered by rank, stable within a rank; `attributes` by RSE name.
    func order(_ sources: [RucioFileReplicas.Source], attributes: [String: [String: String]]) -> [RucioFileReplicas.Source] {
        guard location.region != nil || location.cloud != nil else { return sources }
        return sources.enumerated()
            .sorted { (rank(attributes: attributes[$0.element.rse]), $0.offset) < (rank(attributes: attributes[$1.element.rse]), $1.offset) }
            .map(\.element)
    }

    /// Whether bytes from or to an RSE with these attributes leave this node's region (cloud
    /// egress is charged on them); unknown counts as leaving.
    func crossesRegion(attributes: [String: String]?) -> Bool {
        guard let region = location.region, let theirs = attributes?["region"] else { return true }
        return theirs.lowercased() != region.lowercased()
    }
}
