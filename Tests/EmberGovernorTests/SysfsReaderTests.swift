import Testing
@testable import EmberGovernor
import EmberTestSupport

@Suite struct SysfsReaderTests {
    @Test func readsAPopulatedBoard() throws {
        try withFakeTree { tree in
            let p = profile("pi-4b-1500")
            tree.populate(profile: p, modelString: "Raspberry Pi 4 Model B Rev 1.2", celsius: 55.5, firmwareFlags: true)
            for cpu in 0..<4 { tree.setClock(cpu: cpu, currentMHz: 1200, maxMHz: 1500) }
            tree.setThrottle(ThrottleFlags(rawValue: 0x50005))
            var reader = SysfsReader(root: tree.root)
            let r = reader.read()
            #expect(r.newProblems.isEmpty, "\(r.newProblems)")
            #expect(r.readings.cpuCelsius(zoneTypes: p.thermalZoneTypes) == 55.5)
            #expect(r.readings.clockScale == 0.8)
            #expect(r.readings.frequencies.count == 4)
            #expect(r.readings.throttle == [.underVoltage, .throttled, .underVoltageOccurred, .throttledOccurred])
        }
    }

    @Test(arguments: [("0x50005", UInt32?(0x50005)), ("50005\n", 0x50005), ("throttled=0x0", 0), ("80000", 0x80000),
                      ("", nil), ("zz", nil), ("123456789", nil), ("0x", nil), ("-1", nil)])
    func throttleWordParsing(text: String, expected: UInt32?) {
        #expect(ThrottleFlags.parse(text)?.rawValue == expected)
    }

    @Test func throttleBitNames() {
        #expect(ThrottleFlags(rawValue: 0xF000F).names == ["under-voltage", "arm-frequency-capped", "throttled", "soft-temperature-limit",
                                                         "under-voltage-occurred", "arm-frequency-capped-occurred",
                                                         "throttled-occurred", "soft-temperature-limit-occurred"])
    }

    @Test func problemsAreReportedOnceUntilTheyRecover() throws {
        try withFakeTree { tree in
            tree.populate(profile: profile("pi-4b-1500"), modelString: nil, celsius: 50, firmwareFlags: true)
            tree.put("sys/class/thermal/thermal_zone0/temp", "hot\n")
            tree.remove(SysfsReader.throttledPath)
            tree.put("sys/devices/system/cpu/cpu2/cpufreq/scaling_cur_freq", "")
            var reader = SysfsReader(root: tree.root)

            let first = reader.read()
            #expect(Set(first.newProblems.map { "\($0.kind) \($0.path)" }) == [
                "garbage /sys/class/thermal/thermal_zone0/temp",
                "missing /sys/devices/platform/soc/soc:firmware/get_throttled",
                "empty /sys/devices/system/cpu/cpu2/cpufreq/scaling_cur_freq",
            ])
            #expect(first.readings.thermalZones.isEmpty)
            #expect(first.readings.throttle == nil)
            #expect(first.readings.frequencies.count == 4)
            #expect(first.readings.clockScale == 1)  // cpu2 unknown, the others at max

            for _ in 0..<3 { #expect(reader.read().newProblems.isEmpty) }

            tree.setTemperature(61)
            let fixed = reader.read()
            #expect(fixed.recovered == ["/sys/class/thermal/thermal_zone0/temp"])
            #expect(fixed.newProblems.isEmpty)
            #expect(fixed.readings.cpuCelsius(zoneTypes: []) == 61)

            tree.put("sys/class/thermal/thermal_zone0/temp", "999999999\n")  // implausible
            let again = reader.read()
            #expect(again.newProblems.map(\.kind) == ["garbage"])
            #expect(again.newProblems.first?.detail.contains("plausible") == true)
        }
    }

    @Test func missingDirectoriesAreReportedOnce() throws {
        try withFakeTree { tree in
            var reader = SysfsReader(root: tree.root)
            let first = reader.read()
            #expect(first.newProblems.count == 3, "\(first.newProblems)")  // thermal dir, cpu dir, firmware flags
            #expect(reader.read().newProblems.isEmpty)
        }
    }

    @Test func garbageNeverCrashesAndNeverYieldsImplausibleValues() throws {
        let seed = UInt64.random(in: 0...UInt64.max)
        var rng = SeededGenerator(seed: seed)
        try withFakeTree { tree in
            tree.populate(profile: profile("pi-5"), modelString: nil, celsius: 50, firmwareFlags: true)
            let files = ["sys/class/thermal/thermal_zone0/temp", "sys/class/thermal/thermal_zone0/type",
                         "sys/devices/system/cpu/cpu0/cpufreq/scaling_cur_freq", "sys/devices/system/cpu/cpu0/cpufreq/cpuinfo_max_freq",
                         "sys/devices/system/cpu/cpu1/cpufreq/scaling_max_freq", SysfsReader.throttledPath]
            var reader = SysfsReader(root: tree.root)
            for round in 0..<150 {
                for f in files where Double.random(in: 0..<1, using: &rng) < 0.5 {
                    let length = Int(rng.next() % 24)
                    let alphabet = Array("0123456789abcdefx-+ \n\t.\u{0}\u{7f}é".unicodeScalars)
                    var s = String.UnicodeScalarView()
                    for _ in 0..<length { s.append(alphabet[Int(rng.next() % UInt64(alphabet.count))]) }
                    if Double.random(in: 0..<1, using: &rng) < 0.1 { tree.remove(f) } else { tree.put(f, String(s)) }
                }
                let r = reader.read().readings
                for z in r.thermalZones { #expect((-50...150).contains(z.celsius), "seed \(seed) round \(round)") }
                if let s = r.clockScale { #expect(s > 0 && s <= 1, "seed \(seed) round \(round)") }
            }
        }
    }
}
