import Testing
@testable import EmberGovernor

@Suite struct BoardProfileTests {
    static let expectedIDs = ["cm4", "generic-aarch64", "pi-3b", "pi-3b-plus", "pi-400", "pi-4b-1500", "pi-4b-1800",
                              "pi-5", "pi-zero-2-w", "x86-64-dev"]

    @Test func everyEmbeddedProfileDecodes() {
        #expect(BoardCatalog.problems.isEmpty, "\(BoardCatalog.problems)")
        #expect(BoardCatalog.profiles.map(\.id).sorted() == Self.expectedIDs)
        for p in BoardCatalog.profiles {
            #expect(p.idleWatts > 0 && p.activeCoreWatts > 0, "\(p.id)")
            #expect(p.thermalSoftLimitC < p.thermalHardLimitC, "\(p.id)")
            #expect(!p.powerSource.isEmpty, "\(p.id) must cite its power figures or say estimate")
        }
    }

    @Test func embeddedCopyEqualsBoardsDirectory() throws {
        let boards = SysfsRoot(repositoryRoot + "/boards")
        let files = try #require(boards.list("")).filter { $0.hasSuffix(".toml") }
        #expect(files == BoardCatalog.embeddedFiles.map(\.name), "run tools/gen-board-profiles.sh")
        for file in BoardCatalog.embeddedFiles {
            #expect(boards.readText(file.name) == file.text, "\(file.name) differs from its embedded copy: run tools/gen-board-profiles.sh")
        }
    }

    @Test func eachBoardFileParsesFromDisk() throws {
        let boards = SysfsRoot(repositoryRoot + "/boards")
        for name in try #require(boards.list("")) where name.hasSuffix(".toml") {
            let text = try #require(boards.readText(name))
            let p = try BoardProfileDecoder.decode(text: text, file: name)
            #expect(p.id + ".toml" == name, "the id must match the file name")
        }
    }

    @Test func piProfilesMatchWhatWeKnow() {
        #expect(profile("pi-5").features.contains("dotprod"))
        #expect(!profile("pi-4b-1500").features.contains("dotprod"))
        #expect(profile("pi-3b-plus").thermalSoftLimitC == 60)
        #expect(profile("pi-4b-1800").maxClockMHz == 1800)
        #expect(profile("pi-4b-1500").fullLoadWatts > 6.3 && profile("pi-4b-1500").fullLoadWatts < 6.5)
    }

    static let modelStrings: [(String, String)] = [
        ("Raspberry Pi Zero 2 W Rev 1.0", "pi-zero-2-w"),
        ("Raspberry Pi 3 Model B Rev 1.2", "pi-3b"),
        ("Raspberry Pi 3 Model B Plus Rev 1.3", "pi-3b-plus"),
        ("Raspberry Pi 400 Rev 1.0", "pi-400"),
        ("Raspberry Pi 400 Rev 1.1", "pi-400"),
        ("Raspberry Pi Compute Module 4 Rev 1.0", "cm4"),
        ("Raspberry Pi 5 Model B Rev 1.0", "pi-5"),
        ("Raspberry Pi 4 Model B Rev 1.1", "pi-4b-1500"),  // no cpufreq: the slower twin
    ]

    @Test(arguments: modelStrings)
    func detectsModelString(model: String, expected: String) throws {
        try withFakeTree { tree in
            tree.put("proc/device-tree/model", model + "\0")
            let d = try BoardDetector(sysfs: tree.root).detect()
            #expect(d.profile.id == expected, "\(d.reason)")
            #expect(d.modelString == model)
        }
    }

    @Test(arguments: [(1_500_000, "pi-4b-1500"), (1_800_000, "pi-4b-1800"), (1_700_000, "pi-4b-1800")])
    func pi4ClockTellsTheTwinsApart(maxKHz: Int, expected: String) throws {
        try withFakeTree { tree in
            tree.put("proc/device-tree/model", "Raspberry Pi 4 Model B Rev 1.4\0")
            tree.put("sys/devices/system/cpu/cpu0/cpufreq/cpuinfo_max_freq", "\(maxKHz)\n")
            let id = try BoardDetector(sysfs: tree.root).detect().profile.id
            #expect(id == expected)
        }
    }

    @Test func unknownArmBoardFallsBackWithItsCoreCount() throws {
        try withFakeTree { tree in
            tree.put("proc/device-tree/model", "Pine64 RockPro64\0")
            var cpuinfo = ""
            for i in 0..<6 { cpuinfo += "processor\t: \(i)\nFeatures\t: fp asimd asimddp\nCPU part\t: 0xd08\n\n" }
            tree.put("proc/cpuinfo", cpuinfo)
            let d = try BoardDetector(sysfs: tree.root, hostArchitecture: "x86_64").detect()
            #expect(d.profile.id == "generic-aarch64")
            #expect(d.profile.cores == 6)
            #expect(d.profile.clusters == [[0, 1, 2, 3, 4, 5]])
            #expect(d.profile.coreType == "Cortex-A72")
            #expect(d.cpuInfo.emberFeatures == ["neon", "dotprod"])
        }
    }

    @Test func x86WithoutDeviceTree() throws {
        try withFakeTree { tree in
            tree.put("proc/cpuinfo", "processor\t: 0\nflags\t\t: fpu avx2\n\nprocessor\t: 1\nflags\t\t: fpu avx2\n")
            let d = try BoardDetector(sysfs: tree.root, hostArchitecture: "aarch64").detect()
            #expect(d.profile.id == "x86-64-dev")
            #expect(d.profile.cores == 2)
        }
    }

    @Test func emptyTreeUsesTheHostArchitecture() throws {
        try withFakeTree { tree in
            let id = try BoardDetector(sysfs: tree.root, hostArchitecture: "aarch64").detect().profile.id
            #expect(id == "generic-aarch64")
        }
    }

    @Test func overrideWinsAndUnknownOverrideIsAnError() throws {
        try withFakeTree { tree in
            tree.put("proc/device-tree/model", "Raspberry Pi 5 Model B Rev 1.0\0")
            let id = try BoardDetector(sysfs: tree.root).detect(override: "pi-zero-2-w").profile.id
            #expect(id == "pi-zero-2-w")
            #expect(throws: BoardDetectionError.self) { try BoardDetector(sysfs: tree.root).detect(override: "pi-6") }
        }
    }
}
