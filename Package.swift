// swift-tools-version: 6.2
import PackageDescription

/// One static executable, `pilot`; see README.md for the static build and scripts/ for how it is made.
let package = Package(
    name: "pilot",
    products: [
        .executable(name: "pilot", targets: ["Pilot"])
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.8.2"),
        .package(url: "https://github.com/apple/swift-log", from: "1.16.2"),
        // The Foundation trait is off: pilot uses FoundationEssentials only (size of the static binary).
        .package(url: "https://github.com/swiftlang/swift-subprocess", from: "1.0.2", traits: []),
        .package(url: "https://github.com/apple/swift-system", from: "1.5.0"),
    ],
    targets: [
        .systemLibrary(name: "CCurl", pkgConfig: "libcurl", providers: [.apt(["libcurl4-openssl-dev"])]),
        .systemLibrary(name: "CArchive", pkgConfig: "libarchive", providers: [.apt(["libarchive-dev"])]),
        .systemLibrary(name: "CSeccomp", pkgConfig: "libseccomp", providers: [.apt(["libseccomp-dev"])]),
        .systemLibrary(name: "CZlib", pkgConfig: "zlib", providers: [.apt(["zlib1g-dev"])]),
        .systemLibrary(name: "CCrypto", pkgConfig: "libcrypto", providers: [.apt(["libssl-dev"])]),
        // Linux headers the Glibc module lacks (statfs, xattr); nothing to link.
        .systemLibrary(name: "CLinux"),
        // The in-container set-up (namespaces, mounts, pivot_root, seccomp, init): C, because no
        // Swift may run between fork and exec (Sources/Payload/Runtime, CONTAINERS.md section 4).
        .target(name: "CContainerInit"),
        .target(
            name: "Payload",
            dependencies: [
                "CSeccomp", "CArchive", "CContainerInit", "CCrypto",
                .product(name: "Logging", package: "swift-log"),
            ]
        ),
        .executableTarget(
            name: "Pilot",
            dependencies: [
                "Payload", "CCurl", "CArchive", "CLinux", "CZlib", "CCrypto",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Subprocess", package: "swift-subprocess"),
                .product(name: "SystemPackage", package: "swift-system"),
            ]
        ),
        .testTarget(
            name: "PilotTests",
            dependencies: ["Pilot", "Payload"],
            exclude: ["Scripts"]
        ),
    ]
)
