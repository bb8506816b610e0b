import {Args, Command, Flags} from '@oclif/core'

import {runCommand} from '../cli.js'
import {modelFlag, numberFlag, runFlags, showProgress} from '../flags.js'
import type {Device} from '../model/device.js'
import type {Pool} from '../model/pool.js'
import type {HeadKind} from '../pipeline/head.js'
import {trainHeadBundle} from '../pipeline/trainhead.js'

export default class TrainHead extends Command {
  static override summary = 'Train a classifier head on a base model\'s embeddings of your labelled regions, and save it as a new bundle.'

  static override description = `Labelled regions (--labels BED with a 0/1 label column, or --positives and --negatives as BED or
FASTA files) are embedded with the base bundle (--model, default grover-mini: its mean-pooled
last_hidden_state, as grover embed computes it; cached, so a second run with the same inputs skips
the encoder), split into training and validation (--split FILE with name/split columns; else whole
chromosomes go to validation when the BED spans several; else a seeded random 20%), and a logistic
regression (default) or one-hidden-layer MLP head is trained here, in TypeScript: class-weighted
("balanced") cross-entropy, L2, Adam, early stopping on the validation loss. The decision threshold is
the one with the best MCC on validation.

The result is a bundle folder (--out): the base encoder and tokenizer, the head as head.onnx (a
Gemm graph run on the pooled encoder output: two ONNX graphs, not one merged graph) and grover.json
(task classification, threshold, metrics, provenance of the labels). predict, score and evaluate use
it like any other bundle. stdout gets the metrics as JSON.`

  static override examples = [
    {description: 'CTCF-bound vs unbound sequences, the shipped split', command: '<%= config.bin %> <%= command.id %> --positives data/ctcf/ctcf_bound.fa --negatives data/ctcf/ctcf_unbound.fa --split data/ctcf/split.tsv --out build/ctcf-head'},
    {description: 'Regions of a genome with a label column, then scan the genome with the new bundle', command: '<%= config.bin %> <%= command.id %> genome.fa --labels peaks_labelled.bed --out my-head && <%= config.bin %> predict genome.fa --model my-head'},
  ]

  static override args = {
    fasta: Args.string({description: 'genome FASTA that BED inputs refer to (not needed when the inputs are FASTA files)', required: false}),
  }

  static override flags = {
    device: runFlags.device,
    threads: runFlags.threads,
    quiet: runFlags.quiet,
    model: modelFlag('grover-mini', 'base bundle whose embeddings the head learns from'),
    labels: Flags.string({description: 'BED of labelled regions (label column: --label-column, default the last)'}),
    'label-column': Flags.integer({description: '1-based column of the label in --labels'}),
    'positive-label': Flags.string({description: 'label value of positives when labels are not 1/0 (everything else is negative)'}),
    positives: Flags.string({description: 'positive examples: BED (with the FASTA argument) or FASTA'}),
    negatives: Flags.string({description: 'negative examples: BED (with the FASTA argument) or FASTA'}),
    split: Flags.string({description: 'TSV with a header naming "name" and "split" (train, valid, test) columns'}),
    out: Flags.string({char: 'o', description: 'bundle folder to write', required: true}),
    name: Flags.string({description: 'bundle name in grover.json [default: the folder name]'}),
    force: Flags.boolean({description: 'replace --out if it exists', default: false}),
    head: Flags.string({description: 'head kind', options: ['logistic', 'mlp'], default: 'logistic'}),
    hidden: Flags.integer({description: 'hidden units of the MLP head', default: 64}),
    l2: Flags.string({description: 'L2 penalty on the weights', default: '0.001'}),
    lr: Flags.string({description: 'Adam learning rate', default: '0.01'}),
    'max-epochs': Flags.integer({description: 'at most this many full-batch epochs', default: 2000}),
    patience: Flags.integer({description: 'stop after this many epochs without a better validation loss', default: 50}),
    seed: Flags.integer({description: 'seed of the random split and the MLP initialisation', default: 1}),
    pool: Flags.string({description: 'how the encoder output is pooled', options: ['mean', 'cls'], default: 'mean'}),
    cache: Flags.string({description: 'embedding cache folder [default: $XDG_CACHE_HOME/grover/embeddings or ~/.cache/grover/embeddings]'}),
    'batch-size': Flags.integer({char: 'b', description: 'sequences per model call', default: 16}),
  }

  async run(): Promise<void> {
    const {args, flags} = await this.parse(TrainHead)
    const num = (name: string, v: string | undefined) => numberFlag(this, name, v)
    await runCommand(this, undefined, async (sink, signal, log) => {
      const r = await trainHeadBundle({
        fasta: args.fasta, labels: flags.labels, labelColumn: flags['label-column'], positiveLabel: flags['positive-label'],
        positives: flags.positives, negatives: flags.negatives, split: flags.split, out: flags.out, name: flags.name, force: flags.force,
        kind: flags.head as HeadKind, hidden: flags.hidden, l2: num('l2', flags.l2)!, lr: num('lr', flags.lr)!, maxEpochs: flags['max-epochs'],
        patience: flags.patience, seed: flags.seed, pool: flags.pool as Pool, cache: flags.cache, batchSize: flags['batch-size'],
        model: flags.model, device: flags.device as Device, threads: flags.threads, progress: showProgress(flags.quiet), quiet: flags.quiet, signal, log,
      })
      await sink.writeLine(JSON.stringify(r, null, 2))
    })
  }
}
