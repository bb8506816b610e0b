import {Args, Command, Flags} from '@oclif/core'

import type {Device} from '../model/device.js'
import {runCommand} from '../cli.js'
import {modelFlag, runFlags} from '../flags.js'
import {type AttentionFormat, attention} from '../pipeline/attention.js'

export default class Attention extends Command {
  static override summary = 'Attention weights of every layer and head for one region, or where the model looks as bedGraph.'

  static override description = `Runs the bundle's attention graph (written by scripts/export/export_hf.py --attentions; shipped
with grover-mini) on one region (1-based inclusive, at most the model's token limit).
--format tsv (default): one row per layer, head, attending token (from) and attended token (to), with
both tokens' genome coordinates (0-based half-open; "." for special tokens) and the weight.
Layers, heads and token indices are 0-based, as in Hugging Face's outputs; --layer/--head select one.
--format json: tokens, ids, offsets and the [layer][head][from][to] weights.
--format bedgraph: per token, the mean attention it receives (over layers, heads and attending tokens).`

  static override examples = [
    '<%= config.bin %> <%= command.id %> data/chr22_20M.fa chr22_20M:100001-100300 --layer 0 --head 1 > attn.tsv',
    '<%= config.bin %> <%= command.id %> data/chr22_20M.fa chr22_20M:100001-101000 --format bedgraph > received.bedGraph',
  ]

  static override args = {
    fasta: Args.string({description: 'genome FASTA', required: true}),
    region: Args.string({description: 'one region, 1-based inclusive (chr:start-end)', required: true}),
  }

  static override flags = {
    ...runFlags,
    model: modelFlag('grover-mini', 'bundle with an attention graph'),
    format: Flags.string({char: 'f', description: 'output format', options: ['tsv', 'json', 'bedgraph'], default: 'tsv'}),
    layer: Flags.integer({description: 'only this layer (0-based)'}),
    head: Flags.integer({description: 'only this head (0-based)'}),
  }

  async run(): Promise<void> {
    const {args, flags} = await this.parse(Attention)
    await runCommand(this, flags.output, (sink, _signal, log) => attention({
      fasta: args.fasta, region: args.region, model: flags.model, format: flags.format as AttentionFormat,
      layer: flags.layer, head: flags.head, device: flags.device as Device, threads: flags.threads, progress: false, quiet: flags.quiet, log,
    }, sink))
  }
}
