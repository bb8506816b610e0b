import {Args, Command, Flags} from '@oclif/core'

import type {Device} from '../model/device.js'
import {runCommand} from '../cli.js'
import {modelFlag, runFlags, showProgress} from '../flags.js'
import {fill} from '../pipeline/fill.js'

export default class Fill extends Command {
  static override summary = 'Masked-token prediction: what the language model expects where DNA is masked.'

  static override description = `Three ways to ask a masked-LM bundle (e.g. grover-mini):
  • a sequence containing [MASK] tokens → the top-k tokens for each mask with their probabilities;
  • a FASTA with one --region (the context the model sees) and --mask-at POS (1-based genome
    position, repeatable) → the token covering POS is masked → its top-k replacements;
  • --track with --region(s) → every token masked alone, the probability the model gives the
    reference token, as bedGraph over that token's bases (0-based): a "how expected is this DNA" track.
Probabilities are over the whole vocabulary; special tokens are never proposed.`

  static override examples = [
    '<%= config.bin %> <%= command.id %> TGGGAAGGTGGGGAGGTGCTCACC[MASK]GGGGAGCCCCCCTGAGTGC',
    '<%= config.bin %> <%= command.id %> data/chr22_20M.fa --region chr22_20M:100001-101000 --mask-at 100500 --top-k 5',
    '<%= config.bin %> <%= command.id %> data/chr22_20M.fa --region chr22_20M:100001-103000 --track > expected.bedGraph',
  ]

  static override args = {
    input: Args.string({description: 'a DNA sequence with [MASK] tokens, or a FASTA file (with --region)', required: true}),
  }

  static override flags = {
    ...runFlags,
    model: modelFlag('grover-mini', 'masked-LM bundle: a shipped name or a bundle folder'),
    region: Flags.string({char: 'r', description: 'region of the FASTA, 1-based inclusive (one with --mask-at; any number with --track)', multiple: true}),
    'mask-at': Flags.integer({description: '1-based genome position whose token is masked (repeatable)', multiple: true}),
    track: Flags.boolean({description: 'mask every token of the regions in turn and write P(reference token) as bedGraph', default: false}),
    'top-k': Flags.integer({char: 'k', description: 'tokens listed per mask', default: 5}),
    window: Flags.integer({char: 'w', description: 'context window in bp for --track [default: the model\'s]'}),
    'batch-size': Flags.integer({char: 'b', description: 'sequences per model call (--track)', default: 32}),
  }

  async run(): Promise<void> {
    const {args, flags} = await this.parse(Fill)
    await runCommand(this, flags.output, (sink, signal, log) => fill({
      input: args.input, regions: flags.region, maskAt: flags['mask-at'], track: flags.track, model: flags.model,
      topK: flags['top-k'], window: flags.window, batchSize: flags['batch-size'], device: flags.device as Device,
      threads: flags.threads, progress: showProgress(flags.quiet), quiet: flags.quiet, signal, log,
    }, sink))
  }
}
