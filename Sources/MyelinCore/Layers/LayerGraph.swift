// SPDX-License-Identifier: Apache-2.0

/// Deep-SNN graphs: a ``Network`` whose populations are layer nodes (``NeuronModel/isLayerNode``)
/// and whose projections are layer kinds (``ProjectionKind``). The Trainer runs them
/// layer-major over [T × batch] rows, which needs a feed-forward graph without delays.
extension Network {
  /// Whether this is a deep-SNN graph, run by the Trainer rather than the Simulation.
  public var isLayerGraph: Bool {
    populations.contains { $0.model.isLayerNode } || projections.contains { $0.kind != .sparse }
  }

  /// Indices of the projections into population `p`, in declaration order (which fixes the
  /// order in which their currents are summed).
  public func incoming(_ p: Int) -> [Int] {
    let name = populations[p].name
    return projections.indices.filter { projections[$0].target == name }
  }

  /// Populations in an order where every projection's source comes before its target
  /// (Kahn's algorithm, ties by declaration order so the order is reproducible).
  public func layerOrder() throws(ModelError) -> [Int] {
    var index: [String: Int] = [:]
    for (i, p) in populations.enumerated() { index[p.name] = i }
    var pending = [Int](repeating: 0, count: populations.count)
    var out = [[Int]](repeating: [], count: populations.count)
    for projection in projections {
      guard let t = index[projection.target] else { continue }
      for source in [projection.source] + projection.kind.extraSources {
        guard let s = index[source] else { continue }
        pending[t] += 1
        out[s].append(t)
      }
    }
    var order: [Int] = []
    var ready = populations.indices.filter { pending[$0] == 0 }
    while !ready.isEmpty {
      let p = ready.removeFirst()
      order.append(p)
      for t in out[p] {
        pending[t] -= 1
        if pending[t] == 0 { ready.append(t) }
      }
      ready.sort()
    }
    guard order.count == populations.count else {
      let cyclic = populations.indices.filter { pending[$0] > 0 }.map { populations[$0].name }
      throw ModelError(field: "projections", problem: "form a cycle through \(cyclic.joined(separator: ", "))",
                       allowed: "a feed-forward graph (the Trainer runs layer by layer)")
    }
    return order
  }

  /// The population no projection leaves: the model's output.
  public var outputPopulation: Int? {
    let sources = Set(projections.flatMap { [$0.source] + $0.kind.extraSources })
    let sinks = populations.indices.filter { !sources.contains(populations[$0].name) && populations[$0].model != .input }
    return sinks.count == 1 ? sinks[0] : nil
  }

  /// What an executor of a layer graph resolves once from the names: the input and output
  /// populations, each projection's source, target and extra sources (attention's K and
  /// V), and each population's incoming projections.
  public struct LayerWiring: Sendable {
    public let input: Int, output: Int
    public let sources: [Int], targets: [Int]
    public let extraSources: [[Int]]
    public let incoming: [[Int]]
  }

  /// The wiring of a validated layer graph; an error unless it has exactly one input and
  /// one output node.
  public func layerWiring() throws(ModelError) -> LayerWiring {
    let inputs = populations.indices.filter { populations[$0].model == .input }
    guard inputs.count == 1, let output = outputPopulation else {
      throw ModelError(field: "populations", problem: "has \(inputs.count) input nodes", allowed: "exactly one")
    }
    var sources: [Int] = [], targets: [Int] = []
    for (j, projection) in projections.enumerated() {
      guard let s = populationIndex(named: projection.source), let t = populationIndex(named: projection.target) else {
        throw ModelError(field: "projections[\(j)]", problem: "names an unknown population")
      }
      sources.append(s)
      targets.append(t)
    }
    return LayerWiring(input: inputs[0], output: output, sources: sources, targets: targets,
                       extraSources: projections.map { p in p.kind.extraSources.compactMap { populationIndex(named: $0) } },
                       incoming: populations.indices.map { incoming($0) })
  }

  /// Rules of layer graphs, beyond those every network follows.
  func validateLayerGraph() throws(ModelError) {
    for (i, population) in populations.enumerated() where !population.model.isLayerNode {
      throw ModelError(field: "populations[\(i)].model",
                       problem: "'\(population.name)' is a \(population.model.name) in a deep-SNN graph",
                       allowed: "lif_node, if_node, plif_node, readout, sum, input")
    }
    for (i, projection) in projections.enumerated() where projection.kind == .sparse {
      throw ModelError(field: "projections[\(i)].kind", problem: "'\(projection.name)' is sparse in a deep-SNN graph",
                       allowed: "dense, conv2d, max_pool, avg_pool, identity, flatten")
    }
    guard populations.contains(where: { $0.model == .input }) else {
      throw ModelError(field: "populations", problem: "has no input node", allowed: "at least one population of model input")
    }
    let targets = Set(projections.map(\.target))
    for (i, population) in populations.enumerated() where population.model != .input && !targets.contains(population.name) {
      throw ModelError(field: "populations[\(i)]", problem: "'\(population.name)' receives no projection",
                       allowed: "every node but the inputs has an incoming projection")
    }
    _ = try layerOrder()
    guard outputPopulation != nil else {
      let sources = Set(projections.flatMap { [$0.source] + $0.kind.extraSources })
      let sinks = populations.filter { !sources.contains($0.name) && $0.model != .input }.map(\.name)
      throw ModelError(field: "projections", problem: "the graph ends in \(sinks.count) nodes (\(sinks.joined(separator: ", ")))",
                       allowed: "exactly one output node")
    }
  }

  /// Shape rules of one layer projection.
  func validateLayer(_ projection: Projection, _ field: String, source: Population, target: Population)
    throws(ModelError)
  {
    guard target.model != .input else {
      throw ModelError(field: field + ".target", problem: "'\(target.name)' is an input node", allowed: "a non-input node")
    }
    guard projection.plasticity == nil else {
      throw ModelError(field: field + ".plasticity", problem: "is set on a \(projection.kind.name) layer",
                       allowed: "STDP on sparse projections only")
    }
    guard projection.dropout == 0 || (projection.kind.hasWeights && projection.dropout > 0 && projection.dropout < 1) else {
      throw ModelError(field: field + ".dropout", problem: "is \(projection.dropout) on a \(projection.kind.name) projection",
                       allowed: "0 <= p < 1, on dense or conv2d only")
    }
    if projection.batchNorm, !projection.kind.hasWeights {
      throw ModelError(field: field + ".batch_norm", problem: "is set on a \(projection.kind.name) projection",
                       allowed: "BatchNorm after dense or conv2d only")
    }
    func mismatch(_ expected: String) -> ModelError {
      ModelError(field: field, problem: "\(projection.kind.name) from \(source.shape) cannot give \(target.shape)",
                 allowed: expected)
    }
    switch projection.kind {
    case .sparse, .dense: return
    case .identity:
      guard source.shape == target.shape else { throw mismatch("equal shapes") }
    case .flatten:
      guard source.size == target.size else { throw mismatch("equal sizes") }
    case .conv2d(let g):
      guard source.shape.count == 3, target.shape.count == 3 else { throw mismatch("[C, H, W] shapes") }
      let (c, h, w) = (source.shape[0], source.shape[1], source.shape[2])
      guard g.kernel >= 1, g.stride >= 1, g.padding >= 0, g.groups >= 1 else {
        throw ModelError(field: field + ".conv2d", problem: "kernel \(g.kernel), stride \(g.stride), padding \(g.padding), groups \(g.groups)",
                         allowed: "kernel, stride, groups >= 1, padding >= 0")
      }
      guard c % g.groups == 0, target.shape[0] % g.groups == 0 else {
        throw ModelError(field: field + ".conv2d.groups", problem: "is \(g.groups) for \(c) → \(target.shape[0]) channels",
                         allowed: "a divisor of both channel counts")
      }
      guard h + 2 * g.padding >= g.kernel, w + 2 * g.padding >= g.kernel,
        target.shape[1] == g.output(h), target.shape[2] == g.output(w)
      else {
        throw mismatch("[C_out, \(max(g.output(h), 0)), \(max(g.output(w), 0))] for this kernel, stride and padding")
      }
    case .attention(let g):
      // SSA multiplies spike maps: Q, K and V must be spiking nodes (the event path counts
      // coincidences, and the one-step executor has no dense product for real values).
      guard case .lifNode = source.model else {
        throw ModelError(field: field + ".source", problem: "'\(source.name)' is a \(source.model.name) node", allowed: "a spiking node (lif_node, if_node, plif_node) as Q")
      }
      for (name, role) in [(g.key, "key"), (g.value, "value")] {
        guard let p = populationIndex(named: name) else {
          throw ModelError(field: field + ".attention.\(role)", problem: "unknown population '\(name)'",
                           allowed: populations.map(\.name).joined(separator: ", "))
        }
        guard case .lifNode = populations[p].model else {
          throw ModelError(field: field + ".attention.\(role)", problem: "'\(name)' is a \(populations[p].model.name) node",
                           allowed: "a spiking node (lif_node, if_node, plif_node)")
        }
        guard populations[p].shape == source.shape else {
          throw ModelError(field: field + ".attention.\(role)", problem: "'\(name)' has shape \(populations[p].shape)",
                           allowed: "Q's shape \(source.shape)")
        }
      }
      guard target.shape == source.shape else { throw mismatch("Q's shape") }
      guard source.shape.count >= 2, g.heads >= 1, source.shape[0] % g.heads == 0 else {
        throw ModelError(field: field + ".attention.heads", problem: "is \(g.heads) for \(source.shape[0]) channels",
                         allowed: "a divisor of the channel count, on [D, tokens…] shapes")
      }
      guard g.scale.isFinite else {
        throw ModelError(field: field + ".attention.scale", problem: "is \(g.scale)", allowed: "finite")
      }
    case .pool(let g):
      guard source.shape.count == 3, target.shape.count == 3 else { throw mismatch("[C, H, W] shapes") }
      guard g.kernel >= 1, g.stride >= 1, g.padding >= 0, 2 * g.padding <= g.kernel,
        g.kernel <= min(source.shape[1], source.shape[2]) + 2 * g.padding
      else {
        throw ModelError(field: field + ".pool", problem: "kernel \(g.kernel), stride \(g.stride), padding \(g.padding) on \(source.shape[1])×\(source.shape[2])",
                         allowed: "kernel and stride >= 1, 0 <= padding <= kernel/2, kernel <= padded input size")
      }
      guard target.shape == [source.shape[0], g.output(source.shape[1]), g.output(source.shape[2])] else {
        throw mismatch("[\(source.shape[0]), \(g.output(source.shape[1])), \(g.output(source.shape[2]))]")
      }
    }
  }
}
