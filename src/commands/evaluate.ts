import {Args, Command, Flags} from '@oclif/core'

import {runCommand} from '../cli.js'
import {numberFlag} from '../flags.js'
import type {ScoredFormat} from '../io/scored.js'
import {evaluate} from '../pipeline/evaluate.js'

export default class Evaluate extends Command {
  static override summary = 'Measure predictions against ChIP-seq peaks or signal: AUROC, AUPRC, best F1, MCC, per chromosome.'

  static override description = `Every scored region of PREDICTIONS (grover predict's BED, bedGraph, TSV or bigWig; run predict
with --threshold 0 so every window is kept) is a positive when it overlaps one truth peak by at least
--min-overlap bp. Truth is a BED of peaks (--truth), or the stretches where a bigWig signal is at
least --min-signal (--truth-signal). Metrics follow scikit-learn, ties included: AUROC
(roc_auc_score), AUPRC (average_precision_score), the best F1 over all thresholds and the threshold
reaching it, and MCC at the decision threshold: --threshold, else that of --model, else that of the
model named in the BED, else 0.5.

Output: a table (chrom n positives auroc auprc best_f1 best_f1_threshold mcc; last row "all"), or
with --json the overall figures at the top level and per_chrom beside them. --plot roc.svg draws
the ROC curve and, next to it, the precision-recall curve (pr.svg; or name it with --plot-pr).`

  static override examples = [
    {description: 'Score a genome, then evaluate against ChIP-seq peaks', command: '<%= config.bin %> predict genome.fa --threshold 0 -o scores.bed && <%= config.bin %> <%= command.id %> scores.bed --truth ctcf_peaks.bed'},
    {description: 'Against a ChIP-seq signal track, as JSON, with ROC and PR pictures', command: '<%= config.bin %> <%= command.id %> scores.bw --truth-signal chip.bw --min-signal 5 --json --plot roc.svg'},
  ]

  static override args = {
    predictions: Args.string({description: 'scored regions: BED (score in column 5), bedGraph, TSV with header, or bigWig', required: true}),
  }

  static override flags = {
    output: Flags.string({char: 'o', description: 'write the table or JSON to FILE (via a temporary file renamed on success) instead of stdout'}),
    truth: Flags.string({description: 'BED of truth peaks (0-based)'}),
    'truth-signal': Flags.string({description: 'bigWig whose stretches ≥ --min-signal are the truth peaks'}),
    'min-signal': Flags.string({description: 'signal level for --truth-signal'}),
    'min-overlap': Flags.integer({description: 'bp a region must share with one peak to count as positive', default: 1}),
    threshold: Flags.string({char: 't', description: 'decision threshold for MCC [default: the model\'s]'}),
    model: Flags.string({char: 'm', description: 'bundle whose threshold MCC uses [default: the model named in the BED]'}),
    format: Flags.string({char: 'f', description: 'format of PREDICTIONS', options: ['auto', 'bed', 'bedgraph', 'tsv', 'bigwig'], default: 'auto'}),
    'chrom-alias': Flags.string({description: 'with --truth-signal: file mapping prediction chromosome names to bigWig names (two columns)'}),
    json: Flags.boolean({description: 'JSON instead of a table', default: false}),
    plot: Flags.string({description: 'write the ROC curve as SVG here, and the PR curve beside it ("roc" in the name becomes "pr")'}),
    'plot-pr': Flags.string({description: 'write the precision-recall curve as SVG here'}),
  }

  async run(): Promise<void> {
    const {args, flags} = await this.parse(Evaluate)
    const num = (name: string, v: string | undefined) => numberFlag(this, name, v)
    await runCommand(this, flags.output, async (sink, _signal, log) => {
      await evaluate({
        predictions: args.predictions,
        format: flags.format as ScoredFormat | 'auto',
        truth: flags.truth,
        truthSignal: flags['truth-signal'],
        minSignal: num('min-signal', flags['min-signal']),
        minOverlap: flags['min-overlap'],
        threshold: num('threshold', flags.threshold),
        model: flags.model,
        chromAlias: flags['chrom-alias'],
        json: flags.json,
        plot: flags.plot,
        plotPr: flags['plot-pr'],
        log,
      }, sink)
    })
  }
}
