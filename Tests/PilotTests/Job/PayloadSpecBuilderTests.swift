import Foundation
import Testing
@testable import Pilot

/// How a job's `container_name` becomes an image path, and which CVMFS repository it needs.
@Suite("payload images of jobs")
struct PayloadSpecBuilderTests {
    @Test("an image under CVMFS names its repository; one elsewhere needs none")
    func repositories() {
        let builder = PayloadSpecBuilder(cvmfsRoot: "/cvmfs", defaultImage: nil)
        #expect(builder.repository(of: "/cvmfs/unpacked.cern.ch/registry.hub.docker.com/atlas/athena:22") == "unpacked.cern.ch")
        #expect(builder.repository(of: "/cvmfs/atlas.cern.ch/repo/containers/fs/singularity/x86_64-almalinux9") == "atlas.cern.ch")
        #expect(builder.repository(of: "/images/el9") == nil)
        #expect(builder.repository(of: "/cvmfsx/other") == nil)
    }

    @Test("a job needs its image's repository and, for an ATLAS release, atlas.cern.ch")
    func jobRepositories() throws {
        let builder = PayloadSpecBuilder(cvmfsRoot: "/cvmfs", defaultImage: nil)
        var fields: [String: JSONValue] = ["PandaID": .int(1), "transformation": .string("sh"), "jobPars": .string("-c true")]
        fields["swRelease"] = .string("Atlas-22.0.109")
        let atlas = try JobDescription(fields: JobFields(fields))
        #expect(builder.repositories(for: atlas, image: "/cvmfs/unpacked.cern.ch/registry.hub.docker.com/atlas/athena:22") == ["unpacked.cern.ch", "atlas.cern.ch"])
        #expect(builder.repositories(for: atlas, image: "/images/el9") == ["atlas.cern.ch"])
        fields["swRelease"] = nil
        #expect(builder.repositories(for: try JobDescription(fields: JobFields(fields)), image: "/images/el9") == [])
    }

    @Test("a job without an image and no default is refused with the reason")
    func noImage() throws {
        var fields: [String: JSONValue] = ["PandaID": .int(1), "transformation": .string("sh"), "jobPars": .string("-c true")]
        fields["container_name"] = .string("docker://registry.example.org/missing/image:1")
        let job = try JobDescription(fields: JobFields(fields))
        let builder = PayloadSpecBuilder(cvmfsRoot: "/nonexistent-cvmfs", defaultImage: nil)
        #expect(throws: PayloadSpecBuilder.Failure.imageNotFound("docker://registry.example.org/missing/image:1",
                                                                looked: "/nonexistent-cvmfs/unpacked.cern.ch/registry.example.org/missing/image:1")) {
            try builder.image(for: job)
        }
        fields["container_name"] = nil
        #expect(throws: PayloadSpecBuilder.Failure.noImage) { try builder.image(for: try JobDescription(fields: JobFields(fields))) }
        #expect(try PayloadSpecBuilder(cvmfsRoot: "/cvmfs", defaultImage: "/img").image(for: try JobDescription(fields: JobFields(fields))) == "/img")
    }
}
