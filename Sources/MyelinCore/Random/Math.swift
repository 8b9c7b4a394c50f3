// SPDX-License-Identifier: Apache-2.0
#if canImport(Glibc)
  import Glibc
#elseif canImport(Darwin)
  import Darwin
#endif

// The kernel stays free of Foundation; these are the few libm calls it needs.
@inline(__always) func _exp(_ x: Double) -> Double { exp(x) }
@inline(__always) func _expm1(_ x: Double) -> Double { expm1(x) }
@inline(__always) func _log(_ x: Double) -> Double { log(x) }
@inline(__always) func _log1p(_ x: Double) -> Double { log1p(x) }
@inline(__always) func _cos(_ x: Double) -> Double { cos(x) }
