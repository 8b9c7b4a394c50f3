// SPDX-License-Identifier: Apache-2.0
import MyelinCore

/// The convolutional SNN of SpikingJelly's Fashion-MNIST tutorial (`conv_fashion_mnist`):
/// {Conv3×3(C), BN, LIF, MaxPool2}×2, then FC (C·4·4), LIF, FC (classes), LIF; convolutions
/// and linear layers without bias. With C = 128 the hidden layer has 2048 neurons.
public enum ConvSNN {
  public struct Configuration: Sendable, Equatable {
    public var channels = 128
    public var inputChannels = 1
    public var height = 28
    public var width = 28
    public var classes = 10
    public var neuron = LIFNode(kind: .lif(tau: 2), surrogate: .atan(alpha: 2))
    /// Dropout on the inputs of both linear layers in training (the PLIF paper's net has
    /// 0.5 there; the tutorial's has none).
    public var dropout = 0.0
    public init() {}

    public var hidden: Int { channels * 16 }
  }

  public static func network(_ c: Configuration = Configuration()) -> Network {
    var network = Network(name: "csnn", summary: "SpikingJelly's conv SNN for Fashion-MNIST: {Conv3×3(\(c.channels)), BN, LIF, MaxPool}×2, FC \(c.hidden), LIF, FC \(c.classes), LIF")
    let lif = NeuronModel.lifNode(c.neuron)
    let conv = ProjectionKind.conv2d(Conv2dGeometry(kernel: 3, padding: 1, bias: false))
    let pool = ProjectionKind.pool(PoolGeometry(.max, kernel: 2))
    let (h1, w1) = (c.height / 2, c.width / 2)
    let (h2, w2) = (h1 / 2, w1 / 2)
    network.add(Population(name: "image", shape: [c.inputChannels, c.height, c.width], model: .input))
    network.add(Population(name: "conv1", shape: [c.channels, c.height, c.width], model: lif))
    network.add(Population(name: "pool1", shape: [c.channels, h1, w1], model: .sum))
    network.add(Population(name: "conv2", shape: [c.channels, h1, w1], model: lif))
    network.add(Population(name: "pool2", shape: [c.channels, h2, w2], model: .sum))
    network.add(Population(name: "fc1", shape: [c.hidden], model: lif))
    network.add(Population(name: "fc2", shape: [c.classes], model: lif))
    network.projections = [
      Projection(name: "image->conv1", source: "image", target: "conv1", kind: conv, batchNorm: true),
      Projection(name: "conv1->pool1", source: "conv1", target: "pool1", kind: pool),
      Projection(name: "pool1->conv2", source: "pool1", target: "conv2", kind: conv, batchNorm: true),
      Projection(name: "conv2->pool2", source: "conv2", target: "pool2", kind: pool),
      Projection(name: "pool2->fc1", source: "pool2", target: "fc1", kind: .dense(bias: false), dropout: c.dropout),
      Projection(name: "fc1->fc2", source: "fc1", target: "fc2", kind: .dense(bias: false), dropout: c.dropout),
    ]
    return network
  }
}
