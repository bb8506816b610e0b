import {Args, Command, Flags} from '@oclif/core'

import type {Device} from '../model/device.js'
import {runCommand} from '../cli.js'
import {modelFlag, runFlags, showProgress} from '../flags.js'
import {embed, type Pool} from '../pipeline/embed.js'

export default class Embed extends Command {
  static override summary = 'One embedding vector per region from a model\'s hidden states, as TSV or .npy.'

  static override description = `Each region given with --region (1-based inclusive) or --regions (BED, 0-based) is embedded
whole, in the order given. Without regions the genome is tiled into --window bp windows every --stride
bp; giving --window or --stride with regions tiles those regions instead (sorted, overlaps merged).
The vector is the encoder's last hidden state pooled over the region's tokens: --pool mean (default;
the mean over the sequence's own tokens, special tokens and padding left out) or --pool cls (the
[CLS] token's vector). Forward strand only.

Output: TSV with a header "chrom start end dim0 dim1 …" (0-based coordinates), or with --npy FILE a
float32 matrix [regions, hidden] in FILE and its row order as BED on stdout (or -o). Regions mostly N
or over the model's token limit are skipped and counted on stderr; the BED says which rows exist.`

  static override examples = [
    '<%= config.bin %> <%= command.id %> data/chr22_20M.fa --region chr22_20M:100001-101000 --region chr22_20M:200001-200500',
    '<%= config.bin %> <%= command.id %> data/chr22_20M.fa --regions peaks.bed --pool cls > peaks.emb.tsv',
    '<%= config.bin %> <%= command.id %> data/chr22_20M.fa --window 1000 --stride 1000 --npy chr22.npy > chr22.rows.bed',
  ]

  static override args = {
    fasta: Args.string({description: 'genome FASTA (plain or bgzip; indexed, or plain and indexable)', required: true}),
  }

  static override flags = {
    ...runFlags,
    model: modelFlag('grover-mini', 'model bundle: a shipped name or a bundle folder'),
    region: Flags.string({char: 'r', description: 'region to embed, 1-based inclusive (repeatable)', multiple: true}),
    regions: Flags.string({description: 'BED file of regions to embed (0-based), one vector each'}),
    window: Flags.integer({char: 'w', description: 'tile into windows of this many bp [default when tiling: the model\'s]'}),
    stride: Flags.integer({char: 's', description: 'distance between window starts when tiling [default: the model\'s]'}),
    pool: Flags.string({description: 'how token vectors become one vector', options: ['mean', 'cls'], default: 'mean'}),
    npy: Flags.string({description: 'write the vectors to this .npy file (float32) and the row order as BED to stdout/-o'}),
    'batch-size': Flags.integer({char: 'b', description: 'regions per model call', default: 16}),
    'max-n': Flags.string({description: 'skip regions with more than this fraction of N bases', default: '0.5'}),
  }

  async run(): Promise<void> {
    const {args, flags} = await this.parse(Embed)
    await runCommand(this, flags.output, async (sink, signal, log) => {
      const s = await embed({
        fasta: args.fasta, model: flags.model, regions: flags.region, regionsFile: flags.regions,
        window: flags.window, stride: flags.stride, pool: flags.pool as Pool, npy: flags.npy,
        batchSize: flags['batch-size'], device: flags.device as Device, threads: flags.threads, maxN: Number(flags['max-n']), maxNGiven: `"${flags['max-n']}"`,
        progress: showProgress(flags.quiet), quiet: flags.quiet, signal, log,
      }, sink)
      if (!flags.quiet) log(`grover embed: ${s.rows.toLocaleString('en-US')} vectors of ${s.hidden} dimensions, ${s.skipped}; ${s.seconds.toFixed(1)} s`)
    })
  }
}
