// SPDX-License-Identifier: Apache-2.0

extension Help {
  static let train = """
    USAGE: myelin train MODEL [options]

    Trains a deep SNN with surrogate gradients (BPTT). MODEL: csnn (SpikingJelly's conv SNN)
    or spikformer (--config spikformer-2-128 by default, spikformer-4-384, spikformer-8-512;
    --depth, --dim, --heads, --image-size, --classes override it; use --loss ce).
    Progress goes to stderr; the test set is evaluated after every epoch.

    OPTIONS:
      --dataset NAME        fashion-mnist (default; /usr/share/datasets/fashion-mnist), mnist, cifar10
      --data DIR            Where the data set's files are
      --epochs N            Epochs (default 1)
      --batch B             Batch size (default 64)
      --lr X                Peak learning rate (default 0.001), cosine-annealed to 0
      --warmup N            Linear warm-up steps (default 0)
      --optimizer NAME      adam (default), adamw, sgd (momentum 0.9), lamb
      --weight-decay X      Weight decay (not on BN parameters or biases; default 0)
      --loss NAME           mse (on firing rates, default, as SpikingJelly's tutorial) or ce (cross-entropy on rates)
      --label-smoothing X   Label smoothing for ce (default 0)
      --crop-padding N      Random crop after zero-padding by N pixels (default 0: none)
      --flip                Random horizontal flips
      --mixup ALPHA         mixup with λ ~ Beta(ALPHA, ALPHA) per batch, each image mixed with
                            the batch reversed, targets alike (default 0: off; Spikformer's
                            CIFAR-10 recipe: 0.5)
      --mixup-off-epoch N   No mixup from epoch N on (the recipe: 201 of 300)
      --time-steps T        Steps per sample (default 4)
      --encoding NAME       direct (default) or poisson
      --channels C          Convolution channels of csnn (default 128)
      --dropout P           csnn: dropout on the inputs of both linear layers in training, one
                            mask per sample for all steps (default 0; the PLIF paper: 0.5)
      --neuron NAME         csnn: lif (default, τ = 2), if (the tutorial's IF node) or plif (learnable τ from 2)
      --validation N        Hold out the last N training images (as Keras' validation_split) and
                            report their top-1 after every epoch
      --keep-best FILE      With --validation: keep the model of the epoch with the best validation
                            top-1 in FILE (eval and infer read it; the JSON reports it as "best")
      --threads N           1 or 2 (default 2); results do not depend on it
      --mode M              event, dense or auto (default: event below 10% input density)
      --checkpoint FILE     Save an atomic checkpoint after every epoch and on SIGINT/SIGTERM
      --checkpoint-every N  Also save it every N steps within an epoch
      --resume              Continue from --checkpoint FILE, bit-identically
      --force               Overwrite an existing checkpoint instead of resuming
      --stop-after-epoch K  Stop after epoch K (to split a run; resume later)
      --train-limit N       Use the first N training images
      --test-limit N        Use the first N test images
      --seed S              Seed of weights, shuffling and encoding (default 1)
      --json                End with one JSON object (test_top1, test_top5, train_samples_per_s, epochs, wall_s, …)

    SIGINT or SIGTERM stops at a step boundary, saves the checkpoint, and exits with 130.
    """

  static let eval = """
    USAGE: myelin eval --checkpoint FILE [options]

    Evaluates a trained model on the test set: top-1, top-5, loss, firing rates per LIF
    population, and synaptic operations per sample with an energy estimate (0.9 pJ per
    accumulate, 4.6 pJ per multiply-accumulate, 45 nm).

    OPTIONS:
      --data DIR        Where the data set's files are
      --test-limit N    Use the first N test images
      --batch B         Batch size (default: the training batch)
      --threads N       1 or 2 (default 2)
      --mode M          event, dense or auto (default)
      --profile         Print the time per batch of every projection and population (stderr)
      --json            Print one JSON object
    """

  static let describe = """
    USAGE: myelin describe MODEL [--channels C] [--neuron NAME] [--dataset NAME] [--depth L] [--dim D] [--heads H]
                           [--image-size S] [--classes K] [--json]

    MODEL: csnn, spikformer-2-128, spikformer-4-384, spikformer-8-512.

    Prints a trainable model's graph: populations with their shapes, projections with
    their kinds and parameter counts, and the total (JSON key "parameters").
    """
}
