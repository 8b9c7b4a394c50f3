// SPDX-License-Identifier: Apache-2.0

enum Help {
  static let main = """
    USAGE: myelin <command> [options]

    Myelin simulates networks of spiking neurons in discrete time, delivering only the
    spikes that occur.

    COMMANDS:
      run MODEL.json     Simulate a model file, record its trace, print a summary
      inspect FILE.h5    Summarise a trace file: spikes, rates, ISI CV, Fano factor, run
      plot KIND FILE.h5  Draw a raster, rate, ISI histogram or voltage trace as SVG
      bench WORKLOAD     Time a built-in benchmark (cuba, coba, brunel, memory)
      train MODEL        Train a deep SNN (csnn, spikformer) with surrogate gradients
      eval               Evaluate a training checkpoint: accuracy, firing rates, energy
      infer              Run one image through a trained model step by step, record its spikes
      describe MODEL     Print a trainable model's graph and parameter count

    OPTIONS:
      -h, --help         Show help (also after a command: myelin run --help)
      --version          Show the version

    Exit status: 0 on success, 2 for usage and input errors, 1 for runtime failures.
    See docs/cli.md for details.
    """

  static let infer = """
    USAGE: myelin infer --checkpoint FILE [--index N] [options]

    Runs one image through the trained model of a checkpoint with the Simulation executor:
    step by step (T steps, encoded as `myelin eval` encodes it), each projection delivering only the
    inputs that spiked. Records the spikes of every LIF population into a trace file
    (dt = 1, one step; node ids are flat indices into the population's [C, H, W] shape),
    so that `myelin inspect` and `myelin plot raster` work on it. Prints the predicted
    class and the per-layer firing rates, and checks that the Trainer's event-mode forward
    pass gives the same spikes and scores (exit 1 if not).

    OPTIONS:
      --checkpoint FILE    A checkpoint written by `myelin train` (required)
      --index N            Image index in the split (default: 0)
      --split test|train   Which split (default: test)
      --dataset NAME       fashion-mnist, mnist or cifar10 (default: the checkpoint's)
      --data DIR           Where the data set's files are
      --output FILE.h5     Trace file (default: traces/<model>-infer-<index>.h5)
      --force              Overwrite an existing trace file
      --no-check           Skip the comparison with the Trainer
      --json               Print one JSON object: index, split, label, predicted, tied,
                           scores, firing_rates, spikes, trace, time_steps,
                           matches_trainer, wall_s
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
      --output FILE.h5     Write the trace (HDF5, SONATA layout) to FILE.h5. Without it, a
                           model with a "record" section writes traces/<model>-<time>.h5
      --force              Overwrite an existing trace file
      --compress           Compress the trace (shuffle + gzip); h5py reads it, some
                           SONATA readers (libsonata wheels) cannot
      --record-all         Record the spikes of every population
      --rates MS           Record every population's rate in bins of MS ms
      --flush-interval S   Flush the trace to disk every S seconds of wall time
                           (default: 1); a killed run keeps everything flushed
      --spikes-csv FILE    Also write every spike as CSV: population,node_id,step,time_ms
                           (records every population)
      --json               Print one JSON object on stdout instead of the table
      -h, --help           Show this help

    SIGINT or SIGTERM stops the run at a step boundary, closes the trace with
    complete = 0 and exits with status 130.

    EXAMPLES:
      myelin run examples/brunel-g5-eta2.json --threads 2 --output traces/brunel.h5
      myelin run examples/cuba.json --duration 500 --json
    """

  static let plot = """
    USAGE: myelin plot raster|rate|isi|voltage FILE.h5 -o OUT.svg [options]

    Draws a figure of a trace file as SVG: a spike raster (populations stacked, one colour
    each), the population rate in bins, the histogram of inter-spike intervals, or the
    recorded V_m of up to 8 neurons (needs a "state" record). A
    raster of millions of spikes is thinned to one mark per occupied 2x2-pixel cell, and
    the figure says so.

    OPTIONS:
      -o, --output OUT.svg  Where to write the figure (required)
      --population P[,Q]    Populations to draw (default: every recorded one)
      --from MS, --to MS    Time window (default: the whole run)
      --neurons A:B         Neurons A..<B of each population (default: all)
      --bin MS              Bin width of the rate plot (default: about 1/100 of the window)
      --force               Overwrite OUT.svg
      -h, --help            Show this help
    """

  static let inspect = """
    USAGE: myelin inspect FILE.h5 [--json]

    Prints, for each population of a trace file: neurons, recorded spikes, mean rate (Hz),
    the CV of the inter-spike intervals (mean over neurons with at least 3 spikes), the
    Fano factor of spike counts in 100 ms bins, and the time span of its spikes; then the
    run's metadata: model, dt, seed, time reached, Myelin version, wall time, and whether
    the run completed.

    OPTIONS:
      --json               Print one JSON object (keys: populations[{name, neurons, spikes,
                           rate_hz, cv_isi, fano, ...}], dt_ms, duration_ms, seed, complete)
      -h, --help           Show this help
    """

  static let bench = """
    USAGE: myelin bench cuba|coba|brunel|song2000|brunel-stdp|memory|trace|projection|conv|layers [options]

    Builds a built-in benchmark network, simulates it several times and reports the
    median simulate time, synaptic events per second and the peak resident memory.
      cuba     Vogels & Abbott (2005) CUBA, 4000 neurons
      coba     Vogels & Abbott (2005) COBA, 4000 neurons
      brunel   Brunel (2000) model A, g = 5, eta = 2, 12500 neurons, 15.6 M synapses
      memory   100 000 neurons with 10^7 static synapses: bytes per synapse from RSS
      trace    write N synthetic spikes to a trace file and read them back (--spikes N)
      projection  event against dense time of a dense layer (--inputs N, --outputs N)
      conv        event against dense time of a convolution (--in-channels C, --out-channels C,
                  --kernel K, --size S; default Spikformer's rpe: 128 → 128, 3 × 3 on 7 × 7)
      layers   per-layer event and dense times of a trained model (--checkpoint FILE)
    See docs/cli.md for song2000 and brunel-stdp.

    OPTIONS:
      --threads 1|2        Worker threads (default: 1)
      --duration MS        Biological time per run (default: 1000)
      --repeats N          Runs to take the median of (default: 5)
      --spikes N           Spikes for the trace workload (default: 10000000)
      --shared-weight      Memory workload: one weight for all synapses (default: drawn)
      --json               Print one JSON object on stdout
      -h, --help           Show this help
    """
}
