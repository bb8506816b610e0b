import {Args, Command, Flags} from '@oclif/core'

import {runCommand} from '../cli.js'
import {modelFlag, runFlags, showProgress} from '../flags.js'
import type {Device} from '../model/device.js'
import {mutagenesis} from '../pipeline/mutagenesis.js'
import type {StrandMode} from '../dna.js'

export default class Mutagenesis extends Command {
  static override summary = 'In-silico mutagenesis: change every base of a region to each other base and score the effect with a classifier (or a DeepBind score bundle).'

  static override description = `For each base of REGION (1-based inclusive, like samtools; at most --max-bp) and each of the three
other bases, the model window centred on the region (the model's window; longer regions are cut into
window-sized pieces, each in its own centred window) is scored with the base changed, and compared with
the unchanged window: delta = P(positive | mutated) − P(positive | reference), both strands averaged as
predict does. Bases that are N are left out (counted on stderr).

stdout (or -o): a TSV of every substitution, "chrom pos ref alt score_ref score_alt delta" (pos
1-based). --track FILE: the per-base maximum |delta| as bedGraph, or as bigWig when FILE ends in .bw.
--plot logo.svg: a sequence logo of the reference bases scaled by −mean delta (tall letters: changing
them lowers the score — where the model looks).`

  static override examples = [
    {description: 'Which bases drive the CTCF score around the strongest CTCF site of the bundled slice (a 120-bp stretch)', command: '<%= config.bin %> <%= command.id %> data/chr22_20M.fa chr22_20M:1061-1180 --plot logo.svg --track ism.bedGraph > ism.tsv'},
    {description: 'The same with a DeepBind model exported by scripts/export/export_deepbind.py', command: '<%= config.bin %> <%= command.id %> data/chr22_20M.fa chr22_20M:1061-1180 --model models/deepbind-ctcf > ism_deepbind.tsv'},
  ]

  static override args = {
    fasta: Args.string({description: 'genome FASTA', required: true}),
    region: Args.string({description: 'region to mutate, 1-based inclusive (chr:start-end)', required: true}),
  }

  static override flags = {
    ...runFlags,
    model: modelFlag('ctcf', 'classification bundle'),
    strand: Flags.string({description: 'strands to score: both (mean), + or -', options: ['both', '+', '-'], default: 'both'}),
    track: Flags.string({description: 'also write the per-base max |delta| here: bedGraph, or bigWig if the name ends in .bw'}),
    plot: Flags.string({description: 'also draw the per-base importance as a sequence logo (SVG) here'}),
    'max-bp': Flags.integer({description: 'longest region accepted (3 model windows per base)', default: 5000}),
    'batch-size': Flags.integer({char: 'b', description: 'windows per model call', default: 16}),
  }

  async run(): Promise<void> {
    const {args, flags} = await this.parse(Mutagenesis)
    await runCommand(this, flags.output, async (sink, signal, log) => {
      const s = await mutagenesis({
        fasta: args.fasta, region: args.region, model: flags.model, strand: flags.strand as StrandMode, batchSize: flags['batch-size'],
        track: flags.track, plot: flags.plot, maxBp: flags['max-bp'],
        device: flags.device as Device, threads: flags.threads, progress: showProgress(flags.quiet), quiet: flags.quiet, signal, log,
      }, sink)
      if (!flags.quiet) log(`grover mutagenesis: ${s.effects.toLocaleString('en-US')} substitutions at ${s.bases.toLocaleString('en-US')} bases scored${s.skippedN ? `, ${s.skippedN} N bases left out` : ''} in ${s.seconds.toFixed(1)} s`)
    })
  }
}
