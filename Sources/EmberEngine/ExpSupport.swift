#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// libm's exp under a name that keeps platform imports out of the engine's other files.
@inline(__always) func naturalExponential(_ x: Double) -> Double { exp(x) }
