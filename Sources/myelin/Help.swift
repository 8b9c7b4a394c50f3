// SPDX-License-Identifier: Apache-2.0

enum Help {
  static let main = """
    USAGE: myelin <command> [options]

    Myelin simulates networks of spiking neurons in discrete time, delivering only the
    spikes that occur.

    COMMANDS:
      run MODEL.json     Simulate a model file and print a per-population summary
      bench WORKLOAD     Time a built-in benchmark (cuba, coba, brunel, memory)

    OPTIONS:
      -h, --help         Show help (also after a command: myelin run --help)
      --version          Show the version

    Exit status: 0 on success, 2 for usage and input errors, 1 for runtime failures.
    See docs/cli.md for details.
    """

  static let run = """
    USAGE: myelin run MODEL.json [options]

    Simulates the model described by MODEL.json (docs/model-format.md) and prints, for each
    population, its size, spike count and mean rate; then synapses, synaptic events, steps
    and wall time split into build and simulate.

    OPTIONS:
      --duration MS        Biological time to simulate, in ms (default: the model's
                           "duration", else 1000)
      --dt MS              Step length in ms (default: the model's "dt", else 0.1)
      --seed N             Seed of the random number generator (default: the model's
                           "seed", else 1)
      --threads 1|2        Worker threads; results are bit-identical (default: 1)
      --precision float|double
                           Scalar type of state and weights (default: the model's
                           "precision", else float)
      --spikes-csv FILE    Also write every spike as CSV: population,node_id,step,time_ms
      --json               Print one JSON object on stdout instead of the table
      -h, --help           Show this help

    EXAMPLES:
      myelin run examples/brunel-si.json --threads 2
      myelin run examples/cuba.json --duration 500 --json
    """

  static let bench = """
    USAGE: myelin bench cuba|coba|brunel|memory [options]

    Builds a built-in benchmark network, simulates it several times and reports the
    median simulate time, synaptic events per second and the peak resident memory.
      cuba     Vogels & Abbott (2005) CUBA, 4000 neurons
      coba     Vogels & Abbott (2005) COBA, 4000 neurons
      brunel   Brunel (2000) model A, g = 5, eta = 2, 12500 neurons, 15.6 M synapses
      memory   100 000 neurons with 10^7 static synapses: bytes per synapse from RSS

    OPTIONS:
      --threads 1|2        Worker threads (default: 1)
      --duration MS        Biological time per run (default: 1000)
      --repeats N          Runs to take the median of (default: 5)
      --json               Print one JSON object on stdout
      -h, --help           Show this help
    """
}
